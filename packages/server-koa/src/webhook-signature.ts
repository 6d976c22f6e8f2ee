import { createHmac } from 'node:crypto'

/** The header that carries a webhook delivery's signature. */
export const SIGNATURE_HEADER = 'Tandem-Signature'

/**
 * The `Tandem-Signature` value of a delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the
 * secret>`. The timestamp is signed with the body, so a receiver that checks it is recent (docs/self-hosting.md
 * shows how) refuses a captured delivery replayed later. Signed again for each attempt.
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')
  return `t=${unixSeconds},v1=${digest}`
}
