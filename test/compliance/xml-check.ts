/**
 * A tiny, strict XML reader for the tests: enough of XML 1.0 to prove a
 * document is well-formed (one root, matched tags, quoted unique attributes,
 * only known entity references, no raw `<` or `&`) and to walk it. Throws on
 * anything it does not accept; it does not validate against a schema.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function parseXml(source: string): XmlElement {
  let pos = 0;
  const fail = (msg: string): never => {
    throw new Error(`XML: ${msg} at offset ${pos}: ${JSON.stringify(source.slice(pos, pos + 30))}`);
  };
  const isNameChar = (ch: string) =>
    (ch >= "a" && ch <= "z") ||
    (ch >= "A" && ch <= "Z") ||
    (ch >= "0" && ch <= "9") ||
    ch === "-" ||
    ch === "_" ||
    ch === ":" ||
    ch === ".";
  const skipSpace = () => {
    while (pos < source.length && " \t\r\n".includes(source[pos]!)) pos++;
  };
  const name = () => {
    const start = pos;
    while (pos < source.length && isNameChar(source[pos]!)) pos++;
    if (pos === start) fail("expected a name");
    return source.slice(start, pos);
  };
  const decode = (raw: string) => {
    let out = "";
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i]!;
      if (ch === "<") fail("raw '<' in character data");
      const code = ch.codePointAt(0)!;
      if (code < 0x20 && ch !== "\t" && ch !== "\n" && ch !== "\r")
        fail(`forbidden control character U+${code.toString(16)}`);
      if (ch !== "&") {
        out += ch;
        continue;
      }
      const end = raw.indexOf(";", i);
      if (end < 0) fail("unterminated entity reference");
      const ref = raw.slice(i + 1, end);
      if (ref.startsWith("#x")) out += String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
      else if (ref.startsWith("#")) out += String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
      else if (ENTITIES[ref] !== undefined) out += ENTITIES[ref];
      else fail(`unknown entity &${ref};`);
      i = end;
    }
    return out;
  };

  const element = (): XmlElement => {
    if (source[pos] !== "<") fail("expected '<'");
    pos++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: "" };
    for (;;) {
      const before = pos;
      skipSpace();
      if (source.startsWith("/>", pos)) {
        pos += 2;
        return el;
      }
      if (source[pos] === ">") {
        pos++;
        break;
      }
      if (pos === before) fail("expected whitespace before an attribute");
      const attr = name();
      if (Object.hasOwn(el.attrs, attr)) fail(`duplicate attribute ${attr}`);
      if (source[pos] !== "=") fail("expected '='");
      pos++;
      const quote = source[pos] ?? "";
      if (quote !== '"' && quote !== "'") fail("expected a quoted attribute value");
      const end = source.indexOf(quote, pos + 1);
      if (end < 0) fail("unterminated attribute value");
      el.attrs[attr] = decode(source.slice(pos + 1, end));
      pos = end + 1;
    }
    for (;;) {
      const next = source.indexOf("<", pos);
      if (next < 0) fail(`unclosed <${el.name}>`);
      el.text += decode(source.slice(pos, next));
      pos = next;
      if (source.startsWith("</", pos)) {
        pos += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        skipSpace();
        if (source[pos] !== ">") fail("expected '>'");
        pos++;
        return el;
      }
      if (source.startsWith("<!--", pos)) {
        const end = source.indexOf("-->", pos);
        if (end < 0) fail("unterminated comment");
        pos = end + 3;
        continue;
      }
      el.children.push(element());
    }
  };

  if (source.startsWith("<?xml")) {
    const end = source.indexOf("?>");
    if (end < 0) fail("unterminated XML declaration");
    pos = end + 2;
  }
  skipSpace();
  const root = element();
  skipSpace();
  if (pos !== source.length) fail("content after the root element");
  return root;
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
