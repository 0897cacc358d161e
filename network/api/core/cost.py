"""What a GraphQL request will cost, estimated from its validated document before it runs.

The model follows GitHub's GraphQL API: the objects a request may load, counted as an upper
bound from the document and its variables alone, before any resolver or the database is asked.

- A field with a `first` argument (a connection, or a paged list such as `auditTrail`) costs
  `first` (its default when absent; at most the page-size maximum) times what one of its
  objects costs; connections nested in connections multiply.
- Any other field returning an object costs 1, and a list of objects costs its assumed size
  (`ASSUMED_LIST_SIZES`, else the page-size maximum) times what one object costs.
- A connection's own structure (`edges`, `node`, `pageInfo`) and `userErrors` come with the page
  or the mutation and cost nothing more; scalars and enums cost nothing.
- Each mutation field costs `MUTATION_COST` plus what its payload selects.
- Introspection (`__schema`, `__type`) costs `INTROSPECTION_COST`, whatever it selects.
- A request costs at least `MINIMUM_COST`, so even `{ __typename }` counts against a budget.

Directives (`@include`, `@skip`) are ignored and the fragments on an interface are added up,
so the estimate never undercounts what the document can ask for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_leaf_type,
    is_list_type,
)

from network.kit.enums import StarStep

MINIMUM_COST = 1
MUTATION_COST = 10
"""A mutation writes, audits and may owe an email: it costs what ten objects read cost."""
INTROSPECTION_COST = 10
"""The schema is answered from memory; GraphiQL's whole introspection query costs this."""

ASSUMED_LIST_SIZES: Mapping[str, int] = {
    "ProgressRow.steps": len(StarStep),  # one cell per step of the star, always
    "Contact.consents": 3,  # one state per consent purpose
    "Member.cohorts": 5,  # a member joins a cohort for a run of the star: a handful at most
    "Cohort.members": 50,  # cohorts are groups of councils working together, not registers
    "Cohort.progress": 50,  # one row per member of the cohort
    "NetworkMeeting.reminders": 5,  # one group per reminder offset of the meeting
    "MeetingInvitation.reminders": 5,  # one per reminder offset
    "Query.cpdHoursByYear": 10,  # one row per year with certificates
}
"""Lists without `first` whose size is known to be small; any other list is assumed to be as
long as the largest page, so a new unbounded list is priced safely until its size is written
down here."""

FREE_TYPES = frozenset({"PageInfo", "UserError"})
"""Objects built in memory with what carries them."""


def is_structural(type_name: str) -> bool:
    """A connection and its edges only wrap the page, which is paid for by the `first` field."""
    return type_name.endswith(("Connection", "Edge"))


class _Estimate:
    """One walk over one operation; fragments are priced once each (cost is linear in the
    multiplier, so a fragment spread many times costs one walk, not one per spread)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        max_page_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.max_page_size = max_page_size
        self.fragment_costs: dict[str, int] = {}

    def selection_set(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, inner or parent)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def fragment(self, name: str) -> int:
        if name not in self.fragment_costs:
            self.fragment_costs[name] = 0  # validation forbids cycles; this guards the walk
            definition = self.fragments.get(name)
            if definition is not None:
                condition = self.schema.get_type(definition.type_condition.name.value)
                if condition is not None:
                    cost = self.selection_set(definition.selection_set, condition)
                    self.fragment_costs[name] = cost
        return self.fragment_costs[name]

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        name = node.name.value
        if name in ("__schema", "__type"):
            return INTROSPECTION_COST
        own = MUTATION_COST if parent is self.schema.mutation_type else 0
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return own
        definition = parent.fields.get(name)
        named = get_named_type(definition.type) if definition else None
        if definition is None or named is None or is_leaf_type(named) or not node.selection_set:
            return own
        children = self.selection_set(node.selection_set, named)
        if own or is_structural(parent.name) or named.name in FREE_TYPES:
            return own + children
        if "first" in definition.args:
            return self.page_size(node, definition) * (1 + children)
        if is_list_type(get_nullable_type(definition.type)):
            size = ASSUMED_LIST_SIZES.get(f"{parent.name}.{name}", self.max_page_size)
            return size * (1 + children)
        return 1 + children

    def page_size(self, node: FieldNode, definition: GraphQLField) -> int:
        """`first` as the resolver will see it, within 1..max (an empty page still counts)."""
        value: Any = Undefined
        argument = next((a for a in node.arguments or () if a.name.value == "first"), None)
        if argument is not None:
            if isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value, Undefined)
            elif isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            else:  # null, or a value validation refused
                value = None
        if value is Undefined or value is None:
            value = definition.args["first"].default_value
        size = value if isinstance(value, int) and not isinstance(value, bool) else None
        return self.max_page_size if size is None else min(max(size, 1), self.max_page_size)


def estimate(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    max_page_size: int,
) -> int:
    """The cost of the operation the request runs (see the module's docstring for the model).

    `variables` are the request's raw values; a variable left out takes its default from the
    document, and the field's own default applies after that."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return MINIMUM_COST
    root = schema.get_root_type(operation.operation)
    if root is None:
        return MINIMUM_COST
    given = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in given and isinstance(definition.default_value, IntValueNode):
            given[name] = int(definition.default_value.value)
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    walk = _Estimate(schema, fragments, given, max_page_size)
    return max(walk.selection_set(operation.selection_set, root), MINIMUM_COST)
