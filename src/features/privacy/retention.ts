import type { Db } from '../../db/client.js'
import type { PrivacyConfig, RetentionKind } from './schema.js'

/**
 * Ticket events that are transcript lines (what the member or staff said) and go as a whole when
 * they expire. `earlier_message` is a member's message from just before the ticket opened, copied
 * into the transcript: it is a transcript line like `member_message`.
 */
const TRANSCRIPT_LINE_KINDS = ['member_message', 'member_action', 'earlier_message', 'staff_reply'] as const

/**
 * Deletes what is older than its retention period, in one transaction, and returns the rows
 * affected per kind. A row is expired when its time is strictly before `now - retention[kind]`.
 *
 * - messages: inbound group messages.
 * - transcripts: transcript lines of tickets are deleted; the other ticket events (opened, assigned,
 *   resolved, rating...) stay as the audit trail with their text cleared. Tickets stay.
 * - deliveryLogs: chat sends that were sent or gave up, webhook deliveries that were delivered or
 *   gave up (with their attempts), and the ids of accepted inbound webhooks. Pending and in-flight
 *   sends are never touched: they are not delivered yet.
 * - moderationLog, faqGaps: their rows.
 * - analytics: activity_days and room_days (by day), member_events and faq_outcomes.
 *
 * The count of a kind is the number of rows deleted, plus for transcripts the texts cleared.
 */
export function purgeExpired(
  db: Db,
  now: number,
  retention: PrivacyConfig['retention'],
): Record<RetentionKind, number> {
  const sqlite = db.$client
  const lineKinds = TRANSCRIPT_LINE_KINDS.map((k) => `'${k}'`).join(', ')
  const q = {
    messages: sqlite.prepare('DELETE FROM messages WHERE received_at < ?'),
    transcriptLines: sqlite.prepare(`DELETE FROM ticket_events WHERE kind IN (${lineKinds}) AND at < ?`),
    eventTexts: sqlite.prepare('UPDATE ticket_events SET text = NULL WHERE text IS NOT NULL AND at < ?'),
    // Files sent into tickets go with the transcripts they belong to.
    mediaFiles: sqlite.prepare('DELETE FROM media_files WHERE stored_at < ?'),
    chatOutbox: sqlite.prepare("DELETE FROM chat_outbox WHERE status IN ('sent', 'dead') AND created_at < ?"),
    webhookAttempts: sqlite.prepare(
      `DELETE FROM webhook_attempts WHERE delivery_id IN (
         SELECT id FROM webhook_deliveries WHERE status IN ('delivered', 'dead') AND created_at < ?)`,
    ),
    webhookDeliveries: sqlite.prepare(
      "DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'dead') AND created_at < ?",
    ),
    inboundIds: sqlite.prepare('DELETE FROM inbound_webhook_ids WHERE received_at < ?'),
    moderation: sqlite.prepare('DELETE FROM moderation_actions WHERE at < ?'),
    faqGaps: sqlite.prepare('DELETE FROM faq_gaps WHERE at < ?'),
    // activity_days holds local day numbers; a UTC day is close enough for periods of months.
    activityDays: sqlite.prepare('DELETE FROM activity_days WHERE day < ?'),
    roomDays: sqlite.prepare('DELETE FROM room_days WHERE day < ?'),
    memberEvents: sqlite.prepare('DELETE FROM member_events WHERE at < ?'),
    faqOutcomes: sqlite.prepare('DELETE FROM faq_outcomes WHERE at < ?'),
  }
  const cutoff = (kind: RetentionKind) => now - retention[kind]
  const purge = sqlite.transaction((): Record<RetentionKind, number> => {
    const transcripts = cutoff('transcripts')
    const deliveries = cutoff('deliveryLogs')
    return {
      messages: q.messages.run(cutoff('messages')).changes,
      transcripts:
        q.transcriptLines.run(transcripts).changes +
        q.eventTexts.run(transcripts).changes +
        q.mediaFiles.run(transcripts).changes,
      // Attempts first: they are found through the deliveries about to be deleted.
      deliveryLogs:
        q.chatOutbox.run(deliveries).changes +
        q.webhookAttempts.run(deliveries).changes +
        q.webhookDeliveries.run(deliveries).changes +
        q.inboundIds.run(deliveries).changes,
      moderationLog: q.moderation.run(cutoff('moderationLog')).changes,
      faqGaps: q.faqGaps.run(cutoff('faqGaps')).changes,
      analytics:
        q.activityDays.run(Math.floor(cutoff('analytics') / 86_400_000)).changes +
        q.roomDays.run(Math.floor(cutoff('analytics') / 86_400_000)).changes +
        q.memberEvents.run(cutoff('analytics')).changes +
        q.faqOutcomes.run(cutoff('analytics')).changes,
    }
  })
  return purge()
}
