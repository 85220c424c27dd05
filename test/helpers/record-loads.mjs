// `node --import` this file: every file the process loads as an ES module is appended, one URL
// a line, to the file $SNAPGATE_TEST_LOADS (the hooks run on their own thread: a file, not
// memory, carries what they saw).
import { register } from "node:module";

register(
  `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  if (url.startsWith("file:")) appendFileSync(process.env.SNAPGATE_TEST_LOADS, url + "\\n");
  return next(url, context);
}`)}`,
);
