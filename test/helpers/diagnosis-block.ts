/** The CLI's failure diagnosis block ("… sees it:" then indented rows), as tests read it. */

/** The diagnosis block's rows, joined back into single lines ("diagnosis" → its whole text). */
export function diagnosis(stderr: string): Record<string, string> {
  const rows: Record<string, string> = {};
  let key = '';
  for (const line of stderr.slice(stderr.indexOf(' sees it:')).split('\n').slice(1)) {
    const m = /^ {5}(failed at|alert|error code|diagnosis)\s{2,}(.*)$/.exec(line);
    if (m) rows[(key = m[1]!)] = m[2]!;
    else if (key && /^ {10,}\S/.test(line)) rows[key] += ` ${line.trim()}`;
    else if (key) key = '';
  }
  return rows;
}
