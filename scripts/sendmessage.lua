-- wrk script: sendMessage as go-telegram/bot sends it (multipart), to 200 chats in turn
local bodies = {}
for i = 1, 200 do
  bodies[i] = [==[--XyZ
Content-Disposition: form-data; name="chat_id"

{cid}
--XyZ
Content-Disposition: form-data; name="text"

Sản phẩm của bạn đã được ghi nhận.
--XyZ
Content-Disposition: form-data; name="reply_markup"

{"inline_keyboard":[[{"text":"Có","callback_data":"reg:yes"},{"text":"Không","callback_data":"reg:no"}]]}
--XyZ--
]==]
  bodies[i] = bodies[i]:gsub("{cid}", tostring(i))
end
local n = 0
request = function()
  n = n % 200 + 1
  return wrk.format("POST", nil, {["Content-Type"] = "multipart/form-data; boundary=XyZ"}, bodies[n])
end
