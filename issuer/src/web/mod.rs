//! Server-rendered HTML pages (askama templates under `issuer/templates/`, auto-escaping on).
//! One module per page; the HTTP routes that serve them live in `http/`.

pub mod certificate_page;
