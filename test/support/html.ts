/**
 * A parsed HTML page for assertions, through parse5 (a spec-compliant HTML parser: the tree it
 * builds is the tree a browser builds, so an injected element or attribute would show up here).
 */
import { parse, type DefaultTreeAdapterMap } from 'parse5';

type Node = DefaultTreeAdapterMap['node'];
export type HtmlElement = DefaultTreeAdapterMap['element'];

export interface ParsedPage {
  /** Every element, in document order. */
  elements: HtmlElement[];
  /** Elements whose tag is `tag`. */
  byTag(tag: string): HtmlElement[];
  byId(id: string): HtmlElement | undefined;
}

const isElement = (n: Node): n is HtmlElement => 'tagName' in n;

function childrenOf(n: Node): Node[] {
  const own = 'childNodes' in n ? (n.childNodes as Node[]) : [];
  // A <template>'s content is a fragment of its own.
  const content = 'content' in n && n.content !== undefined ? (n.content.childNodes as Node[]) : [];
  return [...own, ...content];
}

/** The text of a node and everything under it (what `textContent` gives in a browser). */
export function textOf(n: Node): string {
  if (n.nodeName === '#text') return (n as DefaultTreeAdapterMap['textNode']).value;
  return childrenOf(n).map(textOf).join('');
}

export function attr(el: HtmlElement, name: string): string | undefined {
  return el.attrs.find((a) => a.name === name)?.value;
}

/** Elements under `root` (itself included) whose tag is `tag`. */
export function descendants(root: HtmlElement, tag: string): HtmlElement[] {
  const out: HtmlElement[] = [];
  const walk = (n: Node): void => {
    if (isElement(n) && n.tagName === tag) out.push(n);
    for (const c of childrenOf(n)) walk(c);
  };
  walk(root);
  return out;
}

export function parsePage(html: string): ParsedPage {
  const elements: HtmlElement[] = [];
  const walk = (n: Node): void => {
    if (isElement(n)) elements.push(n);
    for (const c of childrenOf(n)) walk(c);
  };
  walk(parse(html) as Node);
  return {
    elements,
    byTag: (tag) => elements.filter((e) => e.tagName === tag),
    byId: (id) => elements.find((e) => attr(e, 'id') === id),
  };
}
