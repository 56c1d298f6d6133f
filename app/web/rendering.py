"""Templates and the one ``render()`` helper: the partial for htmx, the full page otherwise.

Following htmx's template-fragments idea, a page template ``{% include %}``s its partials
(``_preview.html``, ``_feedback.html``), so the same partial serves the first render and
every later swap. Autoescaping is on for every template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.grading import messages
from app.web import formatting
from app.web.exam_paths import offered
from app.web.heatmap import heatmap_svg
from app.web.markdown import render_markdown
from app.web.mathml import mathml_page
from app.web.page_frames import TrackingEnvironment


class MathTemplate(jinja2.Template):
    """A template whose output has its formulas as MathML (``app.web.mathml``): every page
    and partial rendered through the environment reads without JavaScript."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        return mathml_page(super().render(*args, **kwargs))


def make_templates(directory: Path) -> Jinja2Templates:
    env = TrackingEnvironment(
        loader=jinja2.FileSystemLoader(str(directory)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.template_class = MathTemplate
    env.filters["markdown"] = render_markdown
    env.filters["shape"] = formatting.shape_text
    env.filters["matrix_latex"] = formatting.matrix_latex
    env.globals["heatmap_svg"] = heatmap_svg
    env.globals["feedback_text"] = messages.feedback_text
    env.globals["verdict_text"] = messages.verdict_text
    env.globals["offered"] = offered
    return Jinja2Templates(env=env)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request", "").lower() == "true"


def is_api(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/author/api/")) or path == "/healthz":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    partial: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """``partial`` for an htmx request (when given), ``template`` otherwise."""
    templates: Jinja2Templates = request.app.state.tutor.templates
    name = partial if partial is not None and is_htmx(request) else template
    full_context = {"request": request, **(context or {})}
    response = templates.TemplateResponse(
        request, name, full_context, status_code=status_code, headers=headers
    )
    response.headers.setdefault("Vary", "HX-Request")
    return response


def page_response(page: str) -> HTMLResponse:
    """A page rendered without :func:`render` (``app.web.page_frames``), sent as it would be."""
    return HTMLResponse(page, headers={"Vary": "HX-Request"})
