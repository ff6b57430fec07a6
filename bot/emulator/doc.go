// Package emulator is a Telegram Bot API served over real HTTP, for the subset of the API ocopbot uses.
//
// The bot reaches it with go-telegram/bot's bot.WithServerURL: requests arrive as POST /bot<token>/<method>
// in multipart/form-data (nested objects such as reply_markup as JSON strings, files as file parts),
// application/json, application/x-www-form-urlencoded, or GET with query parameters, like Telegram. Answers have
// Telegram's shapes: {"ok":true,"result":…} or {"ok":false,"error_code":400,"description":"Bad Request: …"}, with
// the descriptions of tdlib/telegram-bot-api where we could check them.
//
// The Go API has two sides. What users do — SendText, PressButton, ShareContact, SendPhoto, SendDocument,
// SendSticker, InjectUpdate — queues updates that the bot receives through getUpdates, or that are POSTed to its
// webhook. What chats show — Chat, BotMessages, Keyboard, CallbackAnswers, MenuCommands — is the transcript a
// Telegram client would display, with edits applied in place and deleted messages flagged. Wait blocks until a
// condition over that state holds, without polling.
//
// Faults and limits are opt-in: Options' rates enable Telegram's flood limits (429 with retry_after), BlockChat
// (until UnblockChat) and ForgetChat make sends to a chat answer 403 and 400, Set429Fraction refuses a fixed
// share of sends, Storm refuses them all for a while, and Outage fails the whole API (502, or connections held
// and dropped). Every 429 tells its chat to wait — every chat, in a storm — and EarlySends counts the requests
// that did not (they are refused again), which is how a test proves the bot honours retry_after.
// ControlHandler offers the faults, the counters and the users' side over HTTP, to tests and load generators
// in another process.
// Options.MaxMessagesPerChat bounds the memory of long load runs.
//
// Texts with a parse_mode go through ports of tdlib's HTML, Markdown and MarkdownV2 parsers, so that markup
// Telegram would refuse ("can't parse entities: …") is refused here too; Message keeps the raw text and the
// displayed PlainText with its Entities.
//
// Where the emulator departs from Telegram on purpose:
//   - any chat id is a chat the bot may write to, until ForgetChat; there are no groups' or channels' rules;
//   - an update is dropped by getUpdates' offset only once it has been returned at least once, so an update
//     injected with an old update_id (a redelivery) still reaches the bot;
//   - webhooks may use plain http and are called one update at a time, in order; a method a webhook's response
//     names is run (counted in WebhookReplies, not Calls), except getUpdates and the webhook's own methods;
//   - files are never fetched from URLs, and the small photo size holds the original bytes;
//   - long polling and webhook retries use the real clock; Options.Now drives message dates and rate limits.
package emulator
