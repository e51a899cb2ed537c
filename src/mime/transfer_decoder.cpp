#include <mailaccess/mime/transfer_decoder.hpp>

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/mime/field_lexer.hpp>

namespace mailaccess::mime {

// RFC 2045 section 6.1: the mechanism is a single token, compared without
// case; comments are allowed around it as in any structured field.
std::string_view parse_mechanism(std::string_view value) noexcept {
    field_lexer lex(value, lexer_grammar::mime);
    const field_token t = lex.next_non_comment();
    if (t.kind != token_kind::atom || lex.next_non_comment().kind != token_kind::end) return {};
    return t.raw;
}

std::optional<transfer_decoding> find_transfer_decoding(std::string_view value) noexcept {
    const std::string_view m = parse_mechanism(value);
    if (iequals(m, "7bit") || iequals(m, "8bit") || iequals(m, "binary")) return transfer_decoding::identity;
    if (iequals(m, "base64")) return transfer_decoding::base64;
    if (iequals(m, "quoted-printable")) return transfer_decoding::quoted_printable;
    return std::nullopt;
}

transfer_decoding transfer_decoding_for(std::string_view value) noexcept {
    return find_transfer_decoding(value).value_or(transfer_decoding::identity);
}

void transfer_decoder::decode(std::string_view chunk, std::string& out) {
    switch (kind_) {
        case transfer_decoding::identity: out.append(chunk); return;
        case transfer_decoding::base64: b64_.decode(chunk, out); return;
        case transfer_decoding::quoted_printable: qp_.decode(chunk, out); return;
    }
}

std::uint64_t transfer_decoder::measure(std::string_view chunk) {
    switch (kind_) {
        case transfer_decoding::identity: return chunk.size();
        case transfer_decoding::base64: return b64_.measure(chunk);
        case transfer_decoding::quoted_printable: return qp_.measure(chunk);
    }
    return 0;
}

void transfer_decoder::finish(std::string& out) {
    if (kind_ == transfer_decoding::base64) b64_.finish();
    if (kind_ == transfer_decoding::quoted_printable) qp_.finish(out);
}

std::uint64_t transfer_decoder::finish_measure() {
    if (kind_ == transfer_decoding::base64) b64_.finish();
    return kind_ == transfer_decoding::quoted_printable ? qp_.finish_measure() : 0;
}

bool transfer_decoder::is_clean() const noexcept {
    switch (kind_) {
        case transfer_decoding::identity: return true;
        case transfer_decoding::base64: return b64_.is_clean();
        case transfer_decoding::quoted_printable: return qp_.is_clean();
    }
    return true;
}

std::string decode_transfer(transfer_decoding kind, std::string_view data, bool crlf_line_ends) {
    transfer_decoder d(kind, crlf_line_ends);
    std::string out;
    out.reserve(data.size());
    d.decode(data, out);
    d.finish(out);
    return out;
}

std::uint64_t decoded_size(transfer_decoding kind, std::string_view data, bool crlf_line_ends) {
    transfer_decoder d(kind, crlf_line_ends);
    return d.measure(data) + d.finish_measure();
}

}  // namespace mailaccess::mime
