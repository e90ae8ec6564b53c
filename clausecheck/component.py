"""``nlp.add_pipe("clausecheck")``: the same rules inside a user's own spaCy pipeline.

Registered through the ``spacy_factories`` entry point, so no import is needed. Findings are
put in ``doc.spans["clausecheck"]`` (label = category, ``span.id_`` = rule id), and the full
:class:`Finding` objects in ``doc.user_data["clausecheck"]``. The component runs clausecheck's
own segmenter and matcher on ``doc.text`` and maps the character offsets onto the user's
tokens, so it works whatever tokenizer and lemmatizer the user's pipeline has.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


class ClausecheckComponent:
    def __init__(self, name: str, patterns: str | None, spans_key: str, kind: str | None):
        from .scanner import get_engine

        self.name = name
        self.engine = get_engine(patterns)
        self.spans_key = spans_key
        self.kind = kind

    def __call__(self, doc: Doc) -> Doc:
        from .readers import Document, Page

        text = doc.text
        document = Document(text=text, format="text", pages=[Page(1, 0, len(text))], source_text=text)
        _, _, segments, hits = self.engine.analyse(document, self.kind)
        findings = self.engine.findings(document, "", segments, hits)
        spans = []
        for f in findings:
            span = doc.char_span(f.start, f.end, label=f.category, alignment_mode="expand")
            if span is not None:
                span.id_ = f.rule_id
                spans.append(span)
        doc.spans[self.spans_key] = spans
        doc.user_data[self.spans_key] = findings
        return doc


@Language.factory(
    "clausecheck",
    default_config={"patterns": None, "spans_key": "clausecheck", "kind": None},
)
def make_clausecheck(nlp: Language, name: str, patterns: str | None, spans_key: str, kind: str | None):
    return ClausecheckComponent(name, patterns, spans_key, kind)
