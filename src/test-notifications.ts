import type { NotificationHead } from './alerts/notification.js';

/**
 * Test notifications, recognised so that a press of a "Test" button opens no case at expereo: the
 * webhook answers 2xx with `test received, no case opened` and logs it at info.
 *
 * - Grafana's contact-point "Test" (grafana/alerting notify/test_receivers.go, receivers.go
 *   newTestAlert) sends one firing alert labelled `alertname=TestAlert, instance=Grafana` in a group
 *   whose key is `<integration>-<labels fingerprint>-<unix time>`, a new group at each press.
 * - Zendesk's "Test webhook" sends the body the admin types, `{"name":"test webhook"}` by default
 *   (the sample of Zendesk's "Anatomy of a webhook request"), signed like any delivery.
 * - ServiceNow's REST message "Test" (and any generic tool's) sends the customer-defined body with
 *   each variable's *Test value*: an event named `test` is a test.
 * - Alertmanager has no test send (`amtool alert add` sends an ordinary alert, handled as one);
 *   neither have PagerDuty Events v2 senders nor Jira Cloud's admin webhooks.
 */
export const TEST_ANSWER = 'test received, no case opened';

export function isAlertTest(head: NotificationHead): boolean {
  if (head.source !== 'grafana') return false;
  return head.labels.alertname === 'TestAlert' && head.labels.instance === 'Grafana' && /-\d{9,}$/.test(head.origin);
}

export function isZendeskTest(payload: unknown): boolean {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return false;
  const keys = Object.keys(payload);
  return keys.length === 1 && keys[0] === 'name' && typeof (payload as { name: unknown }).name === 'string';
}

/** The event name of a ServiceNow or generic body whose test value is `test`. */
export function isTestEvent(eventName: string): boolean {
  return eventName.trim().toLowerCase() === 'test';
}

/** What a test notification is told as where the routing file sends tests (a Slack channel). */
export function testNotice(group: string): string {
  return `Test notification received from ${group.split(':')[0]} (group ${group.slice(group.indexOf(':') + 1)}): ${TEST_ANSWER} at expereo.`;
}
