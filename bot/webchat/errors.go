package webchat

import "net/http"

// apiError is an answer to a request the API refuses: a status, a stable code for programs and a Vietnamese
// message for the person.
type apiError struct {
	status  int
	code    string
	message string
}

// The API's refusals, all in one place: the page and its tests match on the code.
var (
	errInternal       = &apiError{http.StatusInternalServerError, "internal", "Máy chủ gặp lỗi. Vui lòng thử lại."}
	errRequestFailed  = &apiError{http.StatusServiceUnavailable, "unavailable", "Máy chủ đang dừng. Vui lòng thử lại."}
	errCrossOrigin    = &apiError{http.StatusForbidden, "cross_origin", "Yêu cầu từ trang khác bị từ chối."}
	errMethod         = &apiError{http.StatusMethodNotAllowed, "method_not_allowed", "Phương thức không được hỗ trợ."}
	errNoRoute        = &apiError{http.StatusNotFound, "not_found", "Không tìm thấy trang này."}
	errBadJSON        = &apiError{http.StatusBadRequest, "bad_json", "Dữ liệu gửi lên không phải JSON hợp lệ."}
	errBodyTooBig     = &apiError{http.StatusRequestEntityTooLarge, "too_large", "Dữ liệu gửi lên quá lớn."}
	errUnknownUser    = &apiError{http.StatusNotFound, "unknown_user", "Không có người dùng này."}
	errBadName        = &apiError{http.StatusBadRequest, "bad_name", "Tên phải có từ 1 đến 64 ký tự và không chứa ký tự điều khiển."}
	errBadRole        = &apiError{http.StatusBadRequest, "bad_role", "Vai trò phải có tối đa 64 ký tự và không chứa ký tự điều khiển."}
	errTooMany        = &apiError{http.StatusConflict, "too_many_users", "Đã đủ 100 người dùng, không thể thêm nữa."}
	errBadAfter       = &apiError{http.StatusBadRequest, "bad_after", "Tham số after hoặc all không hợp lệ."}
	errEmptyText      = &apiError{http.StatusBadRequest, "empty_text", "Tin nhắn trống."}
	errTextTooLong    = &apiError{http.StatusBadRequest, "text_too_long", "Tin nhắn dài quá 4096 ký tự."}
	errBadPress       = &apiError{http.StatusBadRequest, "bad_press", "Thiếu mã tin nhắn hoặc dữ liệu của nút."}
	errMessageGone    = &apiError{http.StatusNotFound, "message_not_found", "Tin nhắn này không còn nữa."}
	errButtonGone     = &apiError{http.StatusConflict, "button_not_found", "Nút này không còn nữa: bot đã đổi bàn phím."}
	errBadPhone       = &apiError{http.StatusBadRequest, "bad_phone", "Số điện thoại không hợp lệ. Ví dụ: 0912345678."}
	errNotMultipart   = &apiError{http.StatusBadRequest, "bad_upload", "Hãy gửi tệp dạng multipart/form-data, trường \"file\"."}
	errNoFile         = &apiError{http.StatusBadRequest, "no_file", "Chưa chọn tệp, hoặc tệp trống."}
	errUploadTooBig   = &apiError{http.StatusRequestEntityTooLarge, "file_too_large", "Tệp lớn quá 10 MB."}
	errCaptionTooLong = &apiError{http.StatusBadRequest, "caption_too_long", "Chú thích dài quá 1024 ký tự."}
	errFileNotFound   = &apiError{http.StatusNotFound, "file_not_found", "Không tìm thấy tệp này."}
)

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, struct {
		Code  string `json:"code"`
		Error string `json:"error"`
	}{e.code, e.message})
}
