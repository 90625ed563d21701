"""SVG files as XML element trees, parsed safely, each element knowing its line.

`defusedxml` refuses entity declarations (the "billion laughs" XML bomb) and external
references (reading other files); the elements carry the line of their start tag so
that messages can say where a fault is.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from reynolds.errors import SceneError

SVG_NAMESPACE = "http://www.w3.org/2000/svg"


class XmlElement(ET.Element):
    """An XML element that remembers the line of its start tag."""

    line = 0


class _LineTreeBuilder(ET.TreeBuilder):
    def __init__(self):
        super().__init__(element_factory=XmlElement)
        self.parser: DefusedXMLParser | None = None

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        element.line = self.parser.parser.CurrentLineNumber  # expat's position
        return element


def parse_xml(data: bytes, *, source: str) -> XmlElement:
    """The root element of an XML document (any encoding its declaration names).

    Raises:
        SceneError: malformed XML (with its line and column), or an entity
            declaration or external reference.
    """
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder)
    builder.parser = parser
    try:
        parser.feed(data)
        return parser.close()
    except ET.ParseError as error:
        line, column = error.position
        message = str(error).rsplit(": line ", 1)[0]
        raise SceneError(
            f"malformed XML: {message}",
            source=source,
            where=f"line {line} column {column + 1}",
        ) from None
    except DefusedXmlException as error:
        raise SceneError(
            f"XML entities and external references are refused ({type(error).__name__})",
            source=source,
        ) from None


def local_name(element: ET.Element, namespace: str | None) -> str | None:
    """The element's name when it is in `namespace` (None: no namespace), else None
    (another vocabulary, a comment or a processing instruction)."""
    tag = element.tag
    if not isinstance(tag, str):
        return None
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return name if ns == namespace else None
    return tag if namespace is None else None
