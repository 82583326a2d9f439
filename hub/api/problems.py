"""Errors as RFC 9457 problem details: a machine code, the field at fault and,
because a visitor or an operator may read it, a text in Kazakh and Russian."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.api.served_routes import allowed_methods
from hub.domain.errors import DomainError

log = logging.getLogger("kezek.api")
PROBLEM_JSON = "application/problem+json"


class ProblemText(BaseModel):
    kk: str
    ru: str


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """The body of every error answer, as `problem()` writes it (documented in the OpenAPI)."""

    # A domain error may add its own figures (e.g. the minutes to wait), so extra members
    # are allowed, as RFC 9457 §3.2 allows extension members.
    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="urn:kezek:problem:<code>")
    title: str
    status: int = Field(ge=400, le=599)
    code: str = Field(description="the machine code of the error")
    detail: str
    field: str | None = Field(None, description="the field at fault, when there is one")
    text: ProblemText | None = Field(None, description="the error for a person: Kazakh and "
                                                       "Russian")
    errors: list[FieldProblem] | None = Field(None, description="each invalid field of a "
                                                                "request (422 only)")


def problem(status: int, code: str, detail: str, *, text: dict[str, str] | None = None,
            field: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": f"urn:kezek:problem:{code}", "title": code.replace("_", " "),
                            "status": status, "code": code, "detail": detail}
    if field is not None:
        body["field"] = field
    if text is not None:
        body["text"] = text
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[-1]) if loc else "request"


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem(exc.status, exc.code, exc.detail, text=exc.text.as_dict(), field=exc.field,
                   **{k: v for k, v in exc.extra.items() if isinstance(v, str | int | float)})


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # A body that is not JSON at all has no field; its location is a character offset.
    errors = [{"field": "body" if e.get("type") == "json_invalid"
               else _location(tuple(e.get("loc", ()))), "message": e.get("msg", "")}
              for e in exc.errors()]
    first = errors[0]["field"] if errors else "request"
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    # A field's own check (e.g. safe_text) may have said in both languages what is wrong.
    cause = (exc.errors()[0].get("ctx") or {}).get("error") if errors else None
    text = cause.text.as_dict() if isinstance(cause, DomainError) else {
        "kk": f"Сұраудағы «{first}» өрісі дұрыс толтырылмаған",
        "ru": f"Поле «{first}» в запросе заполнено неверно"}
    return problem(422, "invalid_request", detail, field=first, errors=errors, text=text)


async def _invalid_change(_: Request, exc: Exception) -> JSONResponse:
    """A service revalidates a whole document after a change (the center's configuration:
    removing its last zone leaves none); the change is refused, nothing stored.

    Answers are validated by FastAPI (its own ResponseValidationError, a 500), so a
    pydantic error reaching here is about what a request brought; it is logged all the
    same, in case it is not."""
    assert isinstance(exc, ValidationError)
    log.warning("a change was refused by its document's validation (%s): %s",
                exc.title, exc.errors(include_input=False))
    errors = [{"field": _location(tuple(e.get("loc", ()))), "message": e.get("msg", "")}
              for e in exc.errors()]
    first = errors[0]["field"] if errors else "request"
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid change"
    return problem(422, "invalid_change", detail, field=first, errors=errors,
                   text={"kk": f"Бұл өзгерістен кейін «{first}» дұрыс болмайды",
                         "ru": f"После этого изменения «{first}» станет неверным"})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed"}.get(exc.status_code, "http_error")
    texts = {
        401: {"kk": "Жүйеге кіріңіз", "ru": "Войдите в систему"},
        403: {"kk": "Бұл әрекетке рұқсат жоқ", "ru": "Нет прав на это действие"},
        404: {"kk": "Табылмады", "ru": "Не найдено"},
    }
    fallback = {"kk": "Сұрауды орындау мүмкін болмады", "ru": "Запрос не может быть выполнен"}
    response = problem(exc.status_code, code, str(exc.detail),
                       text=texts.get(exc.status_code, fallback))
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405:
        # Starlette names only the methods of the first route at the path, but each method
        # of a FastAPI path is its own route; RFC 9110 §15.5.6 wants all of them.
        path, root = request.scope["path"], request.scope.get("root_path", "")
        methods = allowed_methods(request.app, path.removeprefix(root) if root else path)
        if methods:
            response.headers["Allow"] = ", ".join(sorted(methods))
    return response


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem(500, "internal_error", "the hub failed to handle the request",
                   text={"kk": "Ішкі қате. Әрекетті қайталаңыз немесе әкімшіге хабарласыңыз.",
                         "ru": "Внутренняя ошибка. Повторите или обратитесь к администратору."})


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(ValidationError, _invalid_change)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
