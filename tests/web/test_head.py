"""HEAD is GET without the body (uptime monitors and load balancers probe with it)."""

from fastapi.testclient import TestClient


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    for path in ("/healthz", "/", "/lessons", "/lessons/y-equals-wx"):
        got = client.get(path)
        head = client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]


def test_head_of_a_missing_page_is_404(client: TestClient) -> None:
    assert client.head("/no-such-page").status_code == 404


def test_other_methods_are_unchanged(client: TestClient) -> None:
    assert client.delete("/healthz").status_code == 405
