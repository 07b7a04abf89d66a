import QRCode from 'qrcode'

/**
 * How long a login QR code is good for. Gateways do not say; WeChat's login codes last a few
 * minutes and gateways send a new one (a new `scan` event) when one expires, so this only tells
 * the operator roughly how long they have.
 */
export const QR_LIFETIME_MS = 2 * 60_000

/** The QR payload as a code a phone can scan off the terminal (half-height blocks). */
export function renderTerminalQr(payload: string): Promise<string> {
  return QRCode.toString(payload, { type: 'terminal', small: true })
}

/** The QR payload as an SVG image, for the console. */
export function renderSvgQr(payload: string): Promise<string> {
  return QRCode.toString(payload, { type: 'svg', margin: 2 })
}
