"""Parsed and validated documents, cached by text for small documents only, bounded in bytes.

Strawberry's ParserCache and ValidationCache are LRU caches bounded by count: 512 distinct
documents of 1 MB each would keep half a gigabyte of syntax trees alive. Here only documents of
at most `max_document_bytes` are kept, and the least recently used leave once the texts held
add up to more than `max_total_bytes`; a larger document is parsed and validated every time,
which the token limit keeps cheap.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from network.api.core.context import Context

MAX_DOCUMENT_BYTES = 8_000
"""The documents of graphql/examples and GraphiQL's introspection query are under 2 kB; a
flood of distinct large documents is not worth keeping."""
MAX_TOTAL_BYTES = 256_000
"""Document text held at most (about 500 ordinary documents). A document's syntax tree and
validation result take about 75 times its text (measured with tracemalloc on members
queries), so the cache stays under about 20 MB, whatever is sent."""

STRAWBERRY_RULES: tuple[type[ASTValidationRule], ...] = (
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)
"""The rules strawberry adds to graphql-core's own when it validates (schema.validate_document)."""

Rules = tuple[type[ASTValidationRule], ...]


@dataclass
class _Entry:
    document: DocumentNode
    size: int
    validations: dict[tuple[Rules, bool], list[GraphQLError]] = field(default_factory=dict)


class DocumentCache:
    """An LRU of parsed documents and their validation results, keyed by the document's text
    (and the parse options), holding at most `max_total_bytes` of text."""

    def __init__(
        self, max_document_bytes: int = MAX_DOCUMENT_BYTES, max_total_bytes: int = MAX_TOTAL_BYTES
    ) -> None:
        self.max_document_bytes = max_document_bytes
        self.max_total_bytes = max_total_bytes
        self.total_bytes = 0
        self._entries: OrderedDict[tuple[str, tuple[tuple[str, object], ...]], _Entry] = (
            OrderedDict()
        )

    def __len__(self) -> int:
        return len(self._entries)

    def parse(self, query: str, options: dict[str, object]) -> tuple[DocumentNode, _Entry | None]:
        """The document of `query`, from the cache when it is there; kept when it is small."""
        size = len(query.encode("utf-8", "surrogatepass"))
        key = (query, tuple(sorted(options.items())))
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            return entry.document, entry
        try:
            document = parse(query, **options)  # type: ignore[arg-type]  # parse's keywords
        except GraphQLError as error:
            # Raised from this hook, the error reaches the client after every extension's
            # operation hook has ended (guards.ErrorCodes cannot see it): its code is set here.
            error.extensions = {**(error.extensions or {}), "code": "GRAPHQL_PARSE_FAILED"}
            raise
        if size > self.max_document_bytes:
            return document, None
        entry = _Entry(document, size)
        self._entries[key] = entry
        self.total_bytes += size
        while self.total_bytes > self.max_total_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.total_bytes -= evicted.size
        return document, entry


def validate_document(
    schema: GraphQLSchema, document: DocumentNode, rules: Rules, hide_suggestions: bool
) -> list[GraphQLError]:
    """graphql-core's validation with strawberry's extra rules; without the "Did you mean"
    suggestions when the caller should not learn the schema's names."""
    return validate(
        schema, document, (*rules, *STRAWBERRY_RULES), hide_suggestions=hide_suggestions
    )


def document_cache_extension(cache: DocumentCache) -> Callable[[], SchemaExtension]:
    """A factory for the extension that parses and validates through `cache`."""

    class CachedDocuments(SchemaExtension):
        """Parse and validate through the shared, byte-bounded cache."""

        entry: _Entry | None = None

        def on_parse(self) -> Iterator[None]:
            context = self.execution_context
            assert context.query is not None  # strawberry refuses a request without one first
            context.graphql_document, self.entry = cache.parse(
                context.query, dict(context.parse_options)
            )
            yield

        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            assert context.graphql_document is not None
            request = context.context
            hide = isinstance(request, Context) and request.is_anonymous
            key = (context.validation_rules, hide)
            errors = self.entry.validations.get(key) if self.entry else None
            if errors is None:
                errors = validate_document(
                    context.schema._schema, context.graphql_document, key[0], hide
                )
                if self.entry is not None:
                    self.entry.validations[key] = errors
            context.pre_execution_errors = errors
            yield

    return CachedDocuments
