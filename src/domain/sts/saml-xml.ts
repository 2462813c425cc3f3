// The XML side of reading a SAML response: a strict parser (no DTD, no entities, errors are fatal)
// and small helpers that walk elements by namespace and local name, without XPath, so the work
// per document is one linear pass bounded by its size.
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

/** Deeper than any SAML response nests; deeper documents are refused before anything recurses. */
const MAX_DEPTH = 48;
const MAX_ELEMENTS = 5000;

export class SamlXmlError extends Error {}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/**
 * Parses a document strictly: a DOCTYPE (and so any entity declaration) is refused outright, as is
 * anything the parser warns about; the document must nest at most MAX_DEPTH deep.
 */
export function parseStrict(xml: string): Document {
  // Entity expansion and external references start in a DOCTYPE; SAML never needs one.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new SamlXmlError('document type declarations are refused');
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        throw new SamlXmlError(`${level}: ${message}`);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (error) {
    throw error instanceof SamlXmlError ? error : new SamlXmlError('not well-formed XML');
  }
  if (!doc.documentElement) throw new SamlXmlError('no document element');
  checkShape(doc.documentElement);
  return doc;
}

/** Depth and element count, walked without recursion. */
function checkShape(root: Element): void {
  let count = 0;
  const stack: [Node, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_DEPTH) throw new SamlXmlError('document nests too deep');
    if (++count > MAX_ELEMENTS) throw new SamlXmlError('document has too many elements');
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === ELEMENT_NODE) stack.push([child, depth + 1]);
    }
  }
}

export function isElement(node: Node | null | undefined, ns: string, localName: string): node is Element {
  return (
    !!node &&
    node.nodeType === ELEMENT_NODE &&
    (node as Element).namespaceURI === ns &&
    (node as Element).localName === localName
  );
}

/** The element children of `parent` with this name. */
export function children(parent: Node, ns: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    if (isElement(child, ns, localName)) found.push(child);
  }
  return found;
}

/** Every element of the subtree (its root included) with this name, in document order. */
export function descendants(root: Node, ns: string, localName: string): Element[] {
  const found: Element[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isElement(node, ns, localName)) found.push(node);
    const kids: Node[] = [];
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === ELEMENT_NODE) kids.push(child);
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return found;
}

/** Every element of the subtree, in document order. */
export function allElements(root: Node): Element[] {
  const found: Element[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.nodeType === ELEMENT_NODE) found.push(node as Element);
    const kids: Node[] = [];
    for (let child = node.firstChild; child; child = child.nextSibling) kids.push(child);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return found;
}

/** The one child with this name, or undefined when there is none; more than one is an error. */
export function onlyChild(parent: Node, ns: string, localName: string): Element | undefined {
  const found = children(parent, ns, localName);
  if (found.length > 1) throw new SamlXmlError(`more than one ${localName}`);
  return found[0];
}

/** An element's text: its text and CDATA children, which must be all it holds. */
export function textOf(element: Element): string {
  let text = '';
  for (let child = element.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === TEXT_NODE || child.nodeType === CDATA_SECTION_NODE) text += child.nodeValue ?? '';
    else if (child.nodeType === ELEMENT_NODE) throw new SamlXmlError(`${element.localName} holds elements`);
  }
  return text;
}

/** An attribute's value, or undefined when the element has none. */
export function attr(element: Element, name: string): string | undefined {
  return element.hasAttribute(name) ? element.getAttribute(name)! : undefined;
}
