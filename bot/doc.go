// Package bot is ocopbot's transport: it carries the conversations of
// package flows to Telegram and to Zalo. It takes updates in (Telegram:
// long polling with getUpdates called directly, or a webhook; Zalo: its Bot
// API's getUpdates or a webhook, zalochan.go), makes their intake durable
// and deduplicated in Redis streams (Telegram by update_id, Zalo by sender
// and message id), handles them in order within each chat and concurrently
// across chats, runs them through flows, and renders the flows' replies as
// calls to the chat's channel.
//
// Ordering has two layers. The intake is 16 partitions by chat, each one
// Redis stream read by one live process at a time under a lease
// (partitions.go), so every update of a chat reaches one process; there it
// waits in the chat's mailbox, handled one at a time by whichever worker
// holds the chat (dispatch.go). Every state write is a compare-and-set on
// the state's version, committed together with the update's
// acknowledgement and the replies it owes (storage.Redis.Save), so an
// update is applied once even when a partition changes hands mid-step.
//
// Every call to a chat goes through one outbound path (outbound.go): a
// chat's calls in order, committed to its outbox in Redis before they are
// sent, each retry_after honoured for the chat, or for everyone when two
// chats in a row are told to wait. While Telegram takes everything, a reply
// goes out at once from the worker that committed it. Once Telegram refused
// the bot for its global rate, the calls it counts (messages and edits) are
// paced under SEND_RATE with permits from Redis, shared by every process and
// with the notifications, and chats take turns (turns.go): a new user's
// first reply first, then round-robin by the age of each chat's oldest due
// call; a chat whose reply waits its turn is shown "typing…" once per wait.
// Notifications never overtake a reply due. In webhook mode a button press
// is answered in the webhook's HTTP response (webhook.go), so that it costs
// no call of its own.
//
// A Zalo user's chat is an id the bot allocates (storage.ZaloChat), so the
// intake, the outbox and the turns serve both channels alike. The flows say
// what, not how (flows.Reply); each channel renders it within its limits:
// Telegram (outmsg.go, shape.go: inline keyboards, edits in place, the
// contact keyboard, texts split at 4,096 UTF-16 units and long captions set
// above their file) and Zalo (zalochan.go: numbered choices read back from
// the chat's state, no edits, texts split at 2,000 characters, files as
// signed links served by links.go). Each channel's 429s pause its own chats;
// Zalo's calls take no permit of Telegram's rate, and its notifications
// keep to rates of their own.
//
// A person may write from several accounts (people.go): each account keeps
// its own conversation, and the flows speak to the person its account is
// linked to (kept with the state, read from Postgres when missing). A
// notification names the person and goes to the account that wrote last,
// then to the next when one refuses the bot (send.go).
//
// The parts are made with what they need: the Bot API calls (caller, in
// botapi.go) are made apart and handed to the outbound path and the Sender,
// which hold them rather than the Bot; the files users send on Telegram are
// fetched by TelegramFiles and the bot's deep links made by TelegramLinks,
// both made before the flows that use them; the jobs (package bot/jobs)
// take the Sender; the store inserts the jobs of its notifications itself.
// cmd/ocopbot wires and starts them (service.go). The Telegram and Zalo
// adapters (poll.go, webhook.go, zalochan.go) are still parts of the Bot,
// started by Bot.Run.
package bot
