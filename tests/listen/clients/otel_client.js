// Sends the scenario with the OpenTelemetry Node SDK to OTLP/HTTP at
// process.argv[2] (a /v1/traces URL), JSON or protobuf (process.argv[3]:
// "json" or "proto"; process.argv[4]: the exporter's compression, "gzip" or
// "none"), and prints one JSON line per request:
// {"id": X-Ray trace id, "index": n}.
const api = require('@opentelemetry/api');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const resources = require('@opentelemetry/resources');
const scenario = require('./scenario');

const url = process.argv[2];
const { OTLPTraceExporter } = require(process.argv[3] === 'proto'
  ? '@opentelemetry/exporter-trace-otlp-proto'
  : '@opentelemetry/exporter-trace-otlp-http');

const attrs = { 'service.name': 'Reservations', 'aws.xray.annotations': ['restaurantName'] };
const resource = resources.resourceFromAttributes
  ? resources.resourceFromAttributes(attrs)
  : new resources.Resource(attrs);
const exporter = new OTLPTraceExporter({ url, compression: process.argv[4] || 'none' });
const processor = new SimpleSpanProcessor(exporter);
const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
provider.register();
const tracer = api.trace.getTracer('quicktable');

async function main() {
  scenario.forEach((r, index) => {
    const server = tracer.startSpan('GET /reserve', {
      kind: api.SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'url.full': 'http://localhost/reserve',
        'http.response.status_code': r.fault ? 500 : 200,
        restaurantName: r.name,
      },
    });
    const ctx = api.trace.setSpan(api.context.active(), server);
    const client = tracer.startSpan('DynamoDB.GetItem', {
      kind: api.SpanKind.CLIENT,
      attributes: {
        'rpc.system': 'aws-api',
        'rpc.service': 'DynamoDB',
        'rpc.method': 'GetItem',
        'aws.dynamodb.table_names': ['restaurants'],
        'cloud.region': 'ap-northeast-2',
      },
    }, ctx);
    client.end();
    if (r.fault) server.setStatus({ code: api.SpanStatusCode.ERROR, message: 'reservation failed' });
    server.end();
    const t = server.spanContext().traceId;
    console.log(JSON.stringify({ id: `1-${t.slice(0, 8)}-${t.slice(8)}`, index }));
  });
  await provider.forceFlush();
  await provider.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
