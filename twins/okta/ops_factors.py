"""User factors (MFA): the catalog, enroll, list, get, activate, unenroll, security questions.

A `question` factor is ACTIVE once enrolled (so is `email` with `activate=true`); `sms`, `call`,
`email`, `token:software:totp` and `push` wait in PENDING_ACTIVATION until activated with a
`passCode` (the twin accepts any 6 digits: it sends no SMS and checks no TOTP). Phone numbers are
E.164 (`+15554151337`; spaces, dots, dashes and brackets are dropped)."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from .common import S, admin, base, get_user, new_id, ops
from .errors import OktaError, not_found, validation
from .state import Factor, User
from .syslog import emit, user_target

FACTORS = "/api/v1/users/{userId}/factors"
FACTOR = FACTORS + "/{factorId}"

# factorType -> (provider, vendorName, id prefix, active at enrolment)
CATALOG: dict[str, tuple[str, str, str, bool]] = {
    "question": ("OKTA", "OKTA", "ufs", True),
    "sms": ("OKTA", "OKTA", "mbl", False),
    "call": ("OKTA", "OKTA", "clf", False),
    "email": ("OKTA", "OKTA", "emf", False),
    "token:software:totp": ("OKTA", "OKTA", "ost", False),
    "push": ("OKTA", "OKTA", "opf", False),
}
GOOGLE_TOTP = ("GOOGLE", "GOOGLE", "uft", False)
QUESTIONS = {
    "disliked_food": "What is the food you least liked as a child?",
    "name_of_first_plush_toy": "What is the name of your first stuffed animal?",
    "first_award": "What did you earn your first medal or award for?",
    "favorite_security_question": "What is your favorite security question?",
    "favorite_toy": "What is the toy/stuffed animal you liked the most as a kid?",
    "first_computer_game": "What was the first computer game you played?",
    "favorite_movie_quote": "What is your favorite movie quote?",
    "first_sports_team_mascot": "What was the mascot of the first sports team you played on?",
    "first_music_purchase": "What music album or song did you first purchase?",
    "favorite_art_piece": "What is your favorite piece of art?",
    "grandmother_favorite_desert": "What was your grandmother's favorite dessert?",
    "first_thing_cooked": "What was the first thing you learned to cook?",
    "childhood_dream_job": "What was your dream job as a child?",
    "place_where_significant_other_was_met": "Where did you meet your spouse/significant other?",
    "favorite_vacation_location": "Where did you go for your favorite vacation?",
    "new_years_two_thousand": "Where were you on New Year's Eve in the year 2000?",
    "favorite_speaker_actor": "Who is your favorite speaker/orator?",
    "favorite_book_movie_character": "Who is your favorite book/movie character?",
    "favorite_sports_player": "Who is your favorite sports player?",
}


def _kind(factor_type: str, provider: str) -> tuple[str, str, str, bool] | None:
    if factor_type == "token:software:totp" and provider.upper() == "GOOGLE":
        return GOOGLE_TOTP
    k = CATALOG.get(factor_type)
    if k is None or (provider and provider.upper() != k[0]):
        return None
    return k


def factor_json(u: User, f: Factor, root: str) -> dict[str, Any]:
    href = f"{root}/api/v1/users/{u.id}/factors/{f.id}"
    links: dict[str, Any] = {"self": {"href": href, "hints": {"allow": ["GET", "DELETE"]}},
                             "user": {"href": f"{root}/api/v1/users/{u.id}", "hints": {"allow": ["GET"]}}}
    if f.status == "PENDING_ACTIVATION":
        links["activate"] = {"href": f"{href}/lifecycle/activate", "hints": {"allow": ["POST"]}}
    else:
        links["verify"] = {"href": f"{href}/verify", "hints": {"allow": ["POST"]}}
    out: dict[str, Any] = {"id": f.id, "factorType": f.factor_type, "provider": f.provider,
                           "vendorName": f.vendor_name, "status": f.status, "created": f.created,
                           "lastUpdated": f.last_updated, "profile": dict(f.profile), "_links": links}
    if f.status == "PENDING_ACTIVATION" and f.factor_type in ("token:software:totp", "push"):
        out["_embedded"] = {"activation": {"timeStep": 30, "sharedSecret": "JBSWY3DPEHPK3PXP",
                                           "encoding": "base32", "keyLength": 16}}
    return out


def get_factor(u: User, fid: str) -> Factor:
    for f in u.factors:
        if f.id == fid:
            return f
    raise not_found("UserFactor", fid)


class UserRef(msgspec.Struct, rename="camel"):
    user_id: str


@ops.op("list_supported_factors", "GET", FACTORS + "/catalog")
def list_supported_factors(ctx: S, p: UserRef) -> Any:
    """The factors the org lets this user enroll, with whether each is already set up."""
    admin(ctx)
    u = get_user(ctx, p.user_id)
    root = base(ctx)
    have = {(f.factor_type, f.provider): f.status for f in u.factors}
    out = []
    for ftype, (provider, vendor, _, _) in [*CATALOG.items(), ("token:software:totp", GOOGLE_TOTP)]:
        out.append({"factorType": ftype, "provider": provider, "vendorName": vendor,
                    "enrollment": "OPTIONAL", "status": have.get((ftype, provider), "NOT_SETUP"),
                    "_links": {"enroll": {"href": f"{root}/api/v1/users/{u.id}/factors",
                                          "hints": {"allow": ["POST"]}}}})
    return out


@ops.op("list_supported_security_questions", "GET", FACTORS + "/questions")
def list_supported_security_questions(ctx: S, p: UserRef) -> Any:
    """The security questions a user can pick from when enrolling a `question` factor."""
    admin(ctx)
    get_user(ctx, p.user_id)
    return [{"question": q, "questionText": t} for q, t in QUESTIONS.items()]


@ops.op("list_factors", "GET", FACTORS)
def list_factors(ctx: S, p: UserRef) -> Any:
    """The factors a user has enrolled (ACTIVE or PENDING_ACTIVATION)."""
    admin(ctx)
    u = get_user(ctx, p.user_id)
    root = base(ctx)
    return [factor_json(u, f, root) for f in u.factors]


class Enroll(msgspec.Struct, rename="camel"):
    user_id: str
    factor_type: str = ""
    provider: str = ""
    profile: dict[str, Any] | None = None
    activate: bool | str | None = None
    update_phone: bool | str | None = None
    template_id: str = ""
    token_lifetime_seconds: int | None = None


def _yes(v: bool | str | None) -> bool:
    return v is True or str(v).lower() == "true"


@ops.op("enroll_factor", "POST", FACTORS)
def enroll_factor(ctx: S, p: Enroll) -> Any:
    """Enroll a factor for a user: `factorType` (question, sms, call, email, token:software:totp,
    push), `provider` (OKTA; GOOGLE for Google Authenticator), `profile` (`question`+`answer`,
    `phoneNumber`, `email`). A question is ACTIVE at once; others are PENDING_ACTIVATION."""
    admin(ctx)
    u = get_user(ctx, p.user_id)
    kind = _kind(p.factor_type, p.provider)
    if kind is None:
        raise validation("factorType: The factor type or provider is not supported", field="factorType")
    provider, vendor, prefix, active = kind
    profile = dict(p.profile or {})
    if p.factor_type == "question":
        if profile.get("question") not in QUESTIONS:
            raise validation("question: The security question is not valid", field="question")
        answer = str(profile.pop("answer", "") or "")
        if len(answer) < 4:
            raise validation("answer: The security question answer must be at least 4 characters in length",
                             field="answer")
        profile["questionText"] = QUESTIONS[str(profile["question"])]
    elif p.factor_type in ("sms", "call"):
        phone = re.sub(r"[\s().-]", "", str(profile.get("phoneNumber") or ""))
        if not phone:
            raise validation("phoneNumber: The field cannot be left blank", field="phoneNumber")
        if not re.fullmatch(r"\+[1-9]\d{1,14}", phone):
            raise validation("phoneNumber: Invalid Phone Number.", field="phoneNumber")
        profile["phoneNumber"] = phone
    elif p.factor_type == "email":
        profile.setdefault("email", u.profile.get("email"))
    for f in u.factors:
        if f.factor_type == p.factor_type and f.provider == provider:
            if f.status == "ACTIVE" or p.factor_type != "sms" or not _yes(p.update_phone):
                raise OktaError("E0000001", "Api validation failed: factorEnrollRequest", status=400,
                                causes=["There is an existing verified phone number."
                                        if p.factor_type in ("sms", "call") else
                                        "A factor of this type is already set up."])
            u.factors.remove(f)
            break
    now = ctx.env.iso()
    f = Factor(id=new_id(ctx, prefix), factor_type=p.factor_type, provider=provider, vendor_name=vendor,
               status="ACTIVE" if active or (p.factor_type == "email" and _yes(p.activate)) else "PENDING_ACTIVATION",
               created=now, last_updated=now, profile=profile)
    u.factors.append(f)
    if f.status == "ACTIVE":
        emit(ctx, "user.mfa.factor.activate", "Activate factor for user", [user_target(u)])
    return factor_json(u, f, base(ctx))


class FactorRef(msgspec.Struct, rename="camel"):
    user_id: str
    factor_id: str
    pass_code: str = ""
    remove_recovery_enrollment: bool | str | None = None


@ops.op("get_factor", "GET", FACTOR)
def get_factor_op(ctx: S, p: FactorRef) -> Any:
    """One of a user's factors."""
    admin(ctx)
    u = get_user(ctx, p.user_id)
    return factor_json(u, get_factor(u, p.factor_id), base(ctx))


@ops.op("activate_factor", "POST", FACTOR + "/lifecycle/activate")
def activate_factor(ctx: S, p: FactorRef) -> Any:
    """Activate a PENDING_ACTIVATION factor with the `passCode` the user received (6 digits)."""
    admin(ctx)
    u = get_user(ctx, p.user_id)
    f = get_factor(u, p.factor_id)
    if f.status != "PENDING_ACTIVATION":
        raise OktaError("E0000001", "Api validation failed: factor", status=400,
                        causes=["Factor is not in PENDING_ACTIVATION status"])
    code = p.pass_code.strip()
    if f.factor_type != "push" and (not code.isdigit() or len(code) != 6
                                    or (f.pass_code is not None and code != f.pass_code)):
        raise OktaError("E0000068", "Invalid Passcode/Answer", status=403,
                        causes=["Your passcode doesn't match our records. Please try again."])
    f.status = "ACTIVE"
    f.last_updated = ctx.env.iso()
    emit(ctx, "user.mfa.factor.activate", "Activate factor for user", [user_target(u)])
    return factor_json(u, f, base(ctx))


@ops.op("unenroll_factor", "DELETE", FACTOR)
def unenroll_factor(ctx: S, p: FactorRef) -> None:
    """Remove one of a user's factors (they must enroll again to use it)."""
    admin(ctx)
    u = get_user(ctx, p.user_id)
    f = get_factor(u, p.factor_id)
    u.factors.remove(f)
    emit(ctx, "user.mfa.factor.deactivate", "Reset factor for user", [user_target(u)])
    return None
