#include <mailaccess/net/imap_client.hpp>

#include "imap_client_impl.hpp"

#include <mailaccess/imap/error.hpp>

#include <asio/error.hpp>
#include <asio/post.hpp>

namespace mailaccess::net {

namespace {

class imap_client_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "mailaccess.net.imap_client"; }
    std::string message(int ev) const override {
        switch (static_cast<imap_client_errc>(ev)) {
            case imap_client_errc::command_failed: return "the IMAP server answered NO";
            case imap_client_errc::command_rejected: return "the IMAP server answered BAD";
            case imap_client_errc::refused: return "the IMAP server refused the connection (BYE greeting)";
            case imap_client_errc::not_connected: return "the IMAP client is not connected";
            case imap_client_errc::connection_closed: return "the IMAP connection was closed";
            case imap_client_errc::already_connected: return "the IMAP client is already connected";
            case imap_client_errc::tls_already_active: return "the IMAP connection is already encrypted";
            case imap_client_errc::tls_required:
                return "login refused: the connection is not encrypted and plaintext login is not allowed";
        }
        return "unknown mailaccess.net.imap_client error";
    }
};

}  // namespace

const std::error_category& imap_client_category() noexcept {
    static const imap_client_category_impl category;
    return category;
}

std::error_code make_error_code(imap_client_errc e) noexcept {
    return {static_cast<int>(e), imap_client_category()};
}

namespace detail {

void cancel_operation(const std::weak_ptr<imap_client_impl>& impl, std::uint64_t id,
                      asio::cancellation_type type) {
    auto self = impl.lock();
    if (!self) return;
    asio::post(self->strand_, [self, id, type] { self->abort_op(id, asio::error::operation_aborted, type); });
}

}  // namespace detail

imap_client::imap_client(asio::any_io_executor executor, imap_client_options options)
    : timeout_(options.timeout) {
    impl_ = std::make_shared<detail::imap_client_impl>(std::move(executor), std::move(options));
}

imap_client::~imap_client() { close(); }

imap_client::executor_type imap_client::get_executor() const noexcept { return impl_->strand_; }

std::shared_ptr<asio::ssl::context> imap_client::tls_context() const { return impl_->tls_.get(); }

std::uint64_t imap_client::next_id() noexcept { return impl_->next_id_.fetch_add(1); }

void imap_client::submit(std::uint64_t id, detail::imap_op_ptr op, std::chrono::milliseconds deadline) {
    std::unique_ptr<detail::imap_op_base> typed(static_cast<detail::imap_op_base*>(op.release()));
    asio::post(impl_->strand_, [self = impl_, id, o = std::move(typed), deadline]() mutable {
        self->submit(id, std::move(o), deadline);
    });
}

std::weak_ptr<detail::imap_client_impl> imap_client::impl_weak() const { return impl_; }

void imap_client::idle_done() {
    asio::post(impl_->strand_, [self = impl_] { self->stop_idle(std::error_code()); });
}

void imap_client::close() {
    asio::post(impl_->strand_, [self = impl_] { self->close_all(asio::error::operation_aborted); });
}

bool imap_client::is_open() const noexcept { return impl_->transport_.is_open(); }

bool imap_client::is_tls() const noexcept { return impl_->transport_.tls_active(); }

std::vector<imap::capability> imap_client::capabilities() const {
    return impl_->session_ ? impl_->session_->capabilities() : std::vector<imap::capability>{};
}

bool imap_client::has_capability(std::string_view name) const {
    return impl_->session_ && impl_->session_->has_capability(name);
}

imap::session_state imap_client::state() const noexcept {
    return impl_->session_ ? impl_->session_->state() : imap::session_state::not_authenticated;
}

imap::status_response imap_client::last_failed_status() const { return impl_->last_failed_; }

}  // namespace mailaccess::net
