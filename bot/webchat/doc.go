// Package webchat is a web page where a person chats with the bot as Telegram would show it, through the Bot API
// emulator: a newcomer or an official trying ocopbot needs no Telegram account.
//
// The page (HTML, CSS and plain JavaScript, embedded; nothing is fetched from elsewhere) lists simulated users in
// a sidebar, a producer and an official say, each with a private chat whose ID is the user's ID. What the person
// types, presses, shares or uploads becomes the emulator's SendText, PressButton, ShareContact, SendPhoto and
// SendDocument; what the chat shows comes from Chat, Keyboard and FileBytes. The current user is in the URL's
// fragment ("/#1001"), so a reload keeps it.
//
// The page long-polls GET /webchat/api/chats/{id}?after=<version>, which answers at once when the chat's
// emulator.Server.ChatVersion differs from version and otherwise waits for a change, up to 25 seconds. The JSON
// API, all under /webchat/api/:
//
//	GET  users                  {users:[{id,name,role,lang,version,last_text,last_date}], all_version}
//	POST users {name[,role]}    the new user, 201
//	GET  chats/{id}[?after=V[&all=A]]
//	                            {chat_id, version, all_version, messages:[{id, from_bot, text, entities, date,
//	                            inline_keyboard:[[{text,callback_data,url}]], photo_url, document_url,
//	                            document_name, contact, sticker, edited, deleted}],
//	                            reply_keyboard:[[{text,request_contact}]], commands, typing, toast}
//	POST chats/{id}/text {text}
//	POST chats/{id}/press {message_id, data}
//	POST chats/{id}/contact {phone}
//	POST chats/{id}/upload      multipart/form-data: file, optional caption, optional as=document
//	GET  files/{file_id}[?name=N]
//
// A POST on a chat answers with the chat as GET shows it. With all=A, a long poll also returns when the sum of
// every user's chat version (all_version) differs from A, so that the sidebar can mark other chats as unread.
// URLs in answers (photo_url, document_url) are relative to the page. Errors are
// {"code":"…","error":"<Vietnamese message>"} with a 4xx or 5xx status.
//
// Elements a browser test needs carry data-testid: user-list, user-<id> (its items, with "unread" inside when
// another user's chat changed), add-user, whoami, status, messages, msg (each message, with data-from="bot" or
// "user" and data-id), msg-text, photo, doc-link, contact, inline-btn (with data-callback-data), start (shown
// while a chat is empty; it sends /start), reply-keyboard, reply-btn (data-request-contact="true" on a contact
// button), menu, menu-list, menu-cmd, composer-form, composer, send, attach (the file input), share-contact,
// dialog, dialog-input, dialog-ok, dialog-cancel, toast, banner. The messages element has data-chat, and
// data-version once the page shows that version of the chat: after an action, wait for data-version to change
// rather than for a time. Dialogs are part of the page, never window.prompt or alert.
//
// The page is a demonstration: it shows and drives every chat it lists to whoever reaches it, so it must not be
// served where real users' chats are.
package webchat
