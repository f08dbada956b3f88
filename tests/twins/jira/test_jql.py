"""The JQL parser and evaluator, without HTTP."""

from __future__ import annotations

import pytest

from dtu.twins.core import Env
from dtu.twins.jira.jql import And, Clause, Empty, Func, JqlError, Not, Or, Value, parse
from dtu.twins.jira.jql_eval import compile_query
from dtu.twins.jira.seed import build
from dtu.twins.jira.state import JiraState

from .data import BOB, DANA, SEED

NOW = 1709294400.0  # 2024-03-01T12:00:00Z


@pytest.fixture(scope="module")
def state() -> JiraState:
    return build(SEED["jira"], Env(1, NOW))


def keys(state: JiraState, jql: str, actor: str = DANA) -> list[str]:
    search = compile_query(jql, state, actor, NOW)
    return [i.key for i in search.order(i for i in state.issues.values() if search.match(i))]


def test_parse_precedence_and_lists() -> None:
    q = parse('project = PROJ AND (status IN ("To Do", Done) OR NOT assignee IS EMPTY) ORDER BY created DESC, key')
    assert isinstance(q.where, And)
    left, right = q.where.parts
    assert left == Clause("project", "=", Value("PROJ"), 1)
    assert isinstance(right, Or)
    assert right.parts[0] == Clause("status", "IN", (Value("To Do", True), Value("Done")), 21)
    assert isinstance(right.parts[1], Not) and right.parts[1].part.operand == Empty()
    assert [(s.field, s.desc) for s in q.order] == [("created", True), ("key", False)]


def test_parse_functions_and_operators() -> None:
    q = parse("assignee in (currentUser(), EMPTY) and created >= startOfDay(-1d) and summary !~ 'x'")
    assert isinstance(q.where, And)
    assert q.where.parts[0].operand == (Func("currentUser"), Empty())
    assert q.where.parts[1] == Clause("created", ">=", Func("startOfDay", ("-1d",)), 40)
    assert q.where.parts[2].op == "!~"
    assert parse("").where is None


@pytest.mark.parametrize("bad, fragment", [
    ("project PROJ", "Expecting operator but got 'PROJ'"),
    ("project = ", "Expecting either a value, list or function but got 'EOF'"),
    ("status = 'open", "has not been completed"),
    ("(project = PROJ", "Expecting ')' but got 'EOF'"),
    ("project = PROJ status = Done", "Expecting either 'OR' or 'AND' but got 'status'"),
    ("summary ~ 100%", "reserved JQL character"),
    ("status in Done", "Expecting '(' but got 'Done'"),
])
def test_syntax_errors_say_where(bad: str, fragment: str) -> None:
    with pytest.raises(JqlError) as e:
        parse(bad)
    assert fragment in str(e.value)
    assert str(e.value).startswith("Error in the JQL Query:")
    assert "(line 1, character " in str(e.value)


def test_equality_lists_and_negation(state: JiraState) -> None:
    assert keys(state, "status = 'In Progress'") == ["PROJ-8"]
    assert keys(state, "status != 'To Do' ORDER BY key") == ["PROJ-8", "PROJ-10"]
    assert keys(state, "type = Bug ORDER BY key") == ["PROJ-8", "PROJ-9"]
    assert keys(state, "issuetype NOT IN (Task) ORDER BY key") == ["PROJ-8", "PROJ-9"]
    assert keys(state, "key in (PROJ-2, PROJ-3) ORDER BY key DESC") == ["PROJ-3", "PROJ-2"]
    assert keys(state, "project = PROJ AND key > PROJ-8 ORDER BY key") == ["PROJ-9", "PROJ-10"]


def test_users_empty_and_jira_null_semantics(state: JiraState) -> None:
    assert keys(state, f"assignee = {BOB}") == ["PROJ-8"]
    assert keys(state, "assignee = 'bob@acme.test'") == ["PROJ-8"]
    assert keys(state, "assignee = currentUser()") == ["PROJ-10"]
    unassigned = keys(state, "assignee IS EMPTY")
    assert len(unassigned) == 8 and "PROJ-8" not in unassigned
    # != never matches an empty field, as in Jira
    assert keys(state, f"assignee != {BOB} ORDER BY key") == ["PROJ-9", "PROJ-10"]
    assert keys(state, "assignee in (EMPTY, 'Bob Builder') AND project = SEC") == ["SEC-1"]


def test_text_search(state: JiraState) -> None:
    assert keys(state, "summary ~ crash ORDER BY key") == ["PROJ-8", "PROJ-9"]  # crashes / Crash
    assert keys(state, 'summary ~ "\\"login page\\""') == ["PROJ-8"]
    assert keys(state, "description ~ safari") == ["PROJ-8"]
    assert keys(state, "text ~ signing") == ["SEC-1"]
    assert "PROJ-8" not in keys(state, "summary !~ login")
    with pytest.raises(JqlError, match="operator '=' is not supported by the 'summary' field"):
        keys(state, "summary = crash")


def test_labels_priority_and_category(state: JiraState) -> None:
    assert keys(state, "labels = safari") == ["PROJ-8"]
    assert len(keys(state, "labels in (backlog)")) == 7
    assert keys(state, "labels IS EMPTY ORDER BY key") == ["PROJ-9", "PROJ-10", "SEC-1"]
    assert keys(state, "priority >= High ORDER BY priority DESC, key") == ["PROJ-9", "PROJ-8", "SEC-1"]
    assert keys(state, "priority < Medium") == []
    assert keys(state, "statusCategory = 'In Progress'") == ["PROJ-8"]
    assert keys(state, "statusCategory = Done") == keys(state, "resolution IS NOT EMPTY") == ["PROJ-10"]
    assert "PROJ-10" not in keys(state, "resolution = Unresolved")


def test_dates_relative_and_absolute(state: JiraState) -> None:
    assert keys(state, "created >= -7d ORDER BY created") == ["PROJ-8", "PROJ-9", "SEC-1"]
    assert keys(state, "created < -25d") == ["PROJ-10"]
    assert keys(state, "created > '2024-02-20' AND created < '2024/03/01' ORDER BY key") == ["PROJ-8", "PROJ-9"]
    assert keys(state, "created >= startOfDay() ORDER BY key") == ["SEC-1"]
    assert keys(state, "updated <= -4w") == ["PROJ-10"]
    with pytest.raises(JqlError, match="Date value 'soon' for field 'created' is invalid"):
        keys(state, "created > soon")


def test_unknown_fields_values_and_functions(state: JiraState) -> None:
    for jql, msg in [
        ("colour = red", "Field 'colour' does not exist or you do not have permission to view it."),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ("assignee = nobody", "The value 'nobody' does not exist for the field 'assignee'."),
        ("key = PROJ-999", "An issue with key 'PROJ-999' does not exist for field 'key'."),
        ("assignee = someoneElse()", "Unable to find JQL function 'someoneElse()'."),
        ("status > Done", "The operator '>' is not supported by the 'status' field."),
    ]:
        with pytest.raises(JqlError) as e:
            keys(state, jql)
        assert str(e.value) == msg


def test_private_project_values_are_hidden(state: JiraState) -> None:
    with pytest.raises(JqlError, match="does not exist for the field 'project'"):
        compile_query("project = SEC", state, BOB, NOW, lambda pid: state.projects[pid].key != "SEC")


def test_default_order_is_newest_first(state: JiraState) -> None:
    assert keys(state, "project = PROJ")[:2] == ["PROJ-10", "PROJ-9"]
