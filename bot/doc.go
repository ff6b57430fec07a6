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
package bot
