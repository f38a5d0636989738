/*
 * ServiceNow business rule that sends incidents to expereo-bridge, signed exactly as the bridge's
 * `servicenow` connector verifies them. In ServiceNow: System Definition > Business Rules > New,
 * Table: Incident [incident], Advanced: on, When: after, Insert and Update: on; paste this script
 * (the request itself goes out asynchronously: executeAsync).
 *
 * Routing file entry it matches (the same secret in both places):
 *
 *   itsm:
 *     connectors:
 *       acme-sn:
 *         tool: servicenow
 *         auth: { type: hmac, secret: "<secret>", header: x-sn-signature, encoding: base64, timestampHeader: x-sn-timestamp }
 *         servicePath: payload.u_expereo_service
 *
 * What is signed: base64(HMAC-SHA256(secret, "<timestamp>.<body>")), the timestamp (Unix seconds)
 * sent in X-SN-Timestamp and refused by the bridge when more than 5 minutes off.
 * CertificateEncryption.generateMac takes its key base64-encoded: the key is the base64 of the
 * secret's text (GlideStringUtil.base64Encode), so that the HMAC key is the secret's own bytes, as
 * the bridge uses it. The body is kept to ASCII (other characters as \u escapes, which JSON reads
 * back as the same text) so that the signed text and the bytes sent are the same whatever
 * character set either side uses.
 */
(function executeRule(current, previous) {
  var BRIDGE_URL = 'https://bridge.example.com/webhooks/itsm/servicenow';
  // Keep the secret in a system property (type password2 is stored encrypted), never in the script.
  var secret = gs.getProperty('x_expereo.bridge_secret');
  var key = GlideStringUtil.base64Encode(secret);

  var inserted = current.operation() == 'insert';
  var changed = [];
  if (!inserted && current.priority.changes()) changed.push('priority');
  if (!inserted && current.state.changes()) changed.push('status');
  if (!inserted && changed.length == 0) return;

  var payload = {
    event: inserted ? 'created' : 'updated',
    event_id: current.getUniqueValue() + ':' + current.getValue('sys_mod_count'),
    sys_id: current.getUniqueValue(),
    number: current.getValue('number'),
    short_description: current.getValue('short_description'),
    description: current.getValue('description'),
    priority: current.getDisplayValue('priority'),
    category: current.getValue('category'),
    state: current.getDisplayValue('state'),
    opened_at: current.getValue('opened_at'),
    caller: current.getDisplayValue('caller_id'),
    url: gs.getProperty('glide.servlet.uri') + 'incident.do?sys_id=' + current.getUniqueValue(),
    changed: changed,
    u_expereo_service: current.getValue('u_expereo_service')
  };
  var body = JSON.stringify(payload).replace(/[\u007f-\uffff]/g, function (c) {
    return '\\u' + ('0000' + c.charCodeAt(0).toString(16)).slice(-4);
  });
  var timestamp = String(Math.floor(new GlideDateTime().getNumericValue() / 1000));
  var signature = new CertificateEncryption().generateMac(key, 'HmacSHA256', timestamp + '.' + body);

  var request = new sn_ws.RESTMessageV2();
  request.setEndpoint(BRIDGE_URL);
  request.setHttpMethod('post');
  request.setRequestHeader('Content-Type', 'application/json');
  request.setRequestHeader('X-SN-Signature', signature);
  request.setRequestHeader('X-SN-Timestamp', timestamp);
  request.setRequestBody(body);
  // ServiceNow does not retry: a 503 from the bridge (Redis away) is lost unless the rule is run again.
  request.executeAsync();
})(current, previous);
