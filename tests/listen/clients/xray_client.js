// Sends the scenario with the official X-Ray SDK (aws-xray-sdk-core) to the
// daemon address in AWS_XRAY_DAEMON_ADDRESS, and prints one JSON line per
// request: {"id": trace id, "index": n}.
const AWSXRay = require('aws-xray-sdk-core');
const scenario = require('./scenario');

AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });

scenario.forEach((r, index) => {
  const seg = new AWSXRay.Segment('Reservations');
  seg.addAnnotation('restaurantName', r.name);
  seg.http = {
    request: { method: 'GET', url: 'http://localhost/reserve' },
    response: { status: r.fault ? 500 : 200 },
  };
  const sub = seg.addNewSubsegment('DynamoDB');
  sub.namespace = 'aws';
  sub.aws = { operation: 'GetItem', table_name: 'restaurants', region: 'ap-northeast-2' };
  sub.close();
  if (r.fault) seg.addFaultFlag();
  seg.close();
  console.log(JSON.stringify({ id: seg.trace_id, index }));
});
setTimeout(() => {}, 300); // let the datagrams go
