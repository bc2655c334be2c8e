/**
 * An rsyslog configuration that tails one file (imfile) and bulk-sends each line to an
 * Elasticsearch-compatible endpoint (omelasticsearch) as `{"@timestamp", "message"}`: the third-party
 * shipper of the rsyslog integration test and the sidecar benchmark's peer.
 */
export interface RsyslogToElasticsearch {
  /** rsyslog's own state directory (imfile positions). */
  readonly workDirectory: string;
  readonly file: string;
  readonly port: number | string;
  readonly index: string;
  /** Extra parameters of the ruleset (its queue), e.g. `queue.type="LinkedList"`. */
  readonly rulesetParameters?: string;
  /** Extra parameters of the omelasticsearch action, e.g. `maxbytes="8m"`. */
  readonly actionParameters?: string;
}

export function rsyslogToElasticsearch(options: RsyslogToElasticsearch): string {
  return `
global(workDirectory="${options.workDirectory}")
module(load="imfile")
module(load="omelasticsearch")
template(name="doc" type="list" option.jsonf="on") {
  property(outname="@timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
}
input(type="imfile" file="${options.file}" tag="app" ruleset="ship" readMode="0")
ruleset(name="ship"${options.rulesetParameters === undefined ? '' : ` ${options.rulesetParameters}`}) {
  action(type="omelasticsearch" server="127.0.0.1" serverport="${options.port}" template="doc" searchIndex="${options.index}"
         bulkmode="on" action.resumeRetryCount="-1"${options.actionParameters === undefined ? '' : ` ${options.actionParameters}`})
}
`;
}
