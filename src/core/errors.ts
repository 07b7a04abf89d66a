/** An error an operator or caller can act on: a stable code plus a message that says how to fix it. */
export class QunbotError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'QunbotError'
  }
}

/** The bot's account may not remove members of this group (it is neither owner nor admin). */
export class NoRemoveRightError extends Error {
  override name = 'NoRemoveRightError'
}
