// Deep-linking return: post the signed response to the LMS at once (the button stays
// for browsers without JavaScript).
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (form) {
    form.submit();
  }
})();
