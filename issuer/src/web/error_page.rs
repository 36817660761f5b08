//! The HTML error page that answers a failed page request (API paths get JSON instead,
//! `http/surface.rs`).

use askama::Template;
use axum::http::StatusCode;

#[derive(Template)]
#[template(path = "error_page.html")]
struct ErrorPage {
    status: u16,
    words_vi: &'static str,
    words_en: &'static str,
}

/// The page for `status`, in Vietnamese and English.
pub fn render(status: StatusCode) -> String {
    let (words_vi, words_en) = match status {
        StatusCode::FORBIDDEN => (
            "Biểu mẫu đã hết hạn hoặc không được gửi từ trang này. Hãy tải lại trang và thử lại.",
            "The form has expired or was not sent from this site. Reload the page and try again.",
        ),
        StatusCode::NOT_FOUND => ("Không tìm thấy trang", "Page not found"),
        StatusCode::METHOD_NOT_ALLOWED => ("Phương thức không được phép", "Method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("Dữ liệu gửi lên quá lớn", "The upload is too large"),
        StatusCode::URI_TOO_LONG => ("Địa chỉ quá dài", "The address is too long"),
        StatusCode::REQUEST_TIMEOUT => ("Yêu cầu quá thời gian", "The request took too long"),
        StatusCode::TOO_MANY_REQUESTS => ("Quá nhiều yêu cầu", "Too many requests"),
        s if s.is_server_error() => ("Lỗi hệ thống", "Something went wrong on our side"),
        _ => ("Yêu cầu không hợp lệ", "The request is not valid"),
    };
    ErrorPage {
        status: status.as_u16(),
        words_vi,
        words_en,
    }
    .render()
    .unwrap_or_else(|_| format!("{}", status.as_u16()))
}
