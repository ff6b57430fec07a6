// Package flows decides what the bot says and does. It holds the
// conversations (producer and product registration, the producer's records)
// as pure decisions over a conversation State and the records it reads
// through small interfaces, and answers with Replies that the transport
// renders. It never imports the Telegram library or storage, so every flow
// is tested without Telegram and the transport could change.
package flows
