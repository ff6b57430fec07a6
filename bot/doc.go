// Package bot is ocopbot's Telegram transport. It takes updates in (long
// polling through go-telegram/bot, or a webhook), makes their intake
// durable and deduplicated in a Redis stream, handles them in order within
// each chat and concurrently across chats, runs them through flows, and
// renders the flows' replies as Bot API calls.
//
// Ordering has two layers. Within a process, every update of a chat goes to
// the same worker (chat ID modulo the number of workers). Across processes,
// a Redis lock per chat serialises handling and every state write is a
// compare-and-set on the state's version, so two updates of one chat can
// never interleave their read-modify-write.
//
// Every call to a chat goes through one outbound path (outbound.go): a
// chat's calls in order, committed to its outbox in Redis before they are
// sent, each retry_after Telegram gives honoured for the chat, or for
// everyone when two chats in a row are told to wait. While Telegram takes
// everything, a reply goes out at once from the worker that committed it.
// Once Telegram refused the bot for its global rate, the calls it counts
// (messages and edits) are paced under SEND_RATE with permits from Redis,
// shared by every process and with the notifications, and chats take turns
// (turns.go): a new user's first reply first, then round-robin by the age
// of each chat's oldest due call; a chat whose reply waits its turn is
// shown "typing…" once per wait. Notifications never overtake a reply due.
// In webhook mode a button press is answered in the webhook's HTTP response
// (webhook.go), so that it costs no call of its own.
package bot
