#include <mailaccess/mime/structure_parser.hpp>

#include <mailaccess/mime/envelope_view.hpp>

#include <mailaccess/mime/detail/part_header.hpp>

#include <algorithm>
#include <cstring>
#include <utility>

namespace mailaccess::mime {

structure_parser::structure_parser(structure_limits limits) : limits_(limits) {
    if (limits_.max_nesting == 0) limits_.max_nesting = 1;
    if (limits_.max_parts == 0) limits_.max_parts = 1;
    if (limits_.max_boundary_length == 0) limits_.max_boundary_length = 1;
    reset();
}

void structure_parser::reset() {
    result_.parts_.clear();
    result_.envelopes_.clear();
    result_.size_ = 0;
    result_.has_bare_lf_ = false;
    result_.has_nul_ = false;
    result_.truncated_ = false;
    frames_.clear();
    boundaries_.clear();
    header_.clear();
    header_overflow_ = false;
    pending_blank_ = false;
    head_.clear();
    offset_ = 0;
    line_start_ = 0;
    lf_count_ = 0;
    bare_count_ = 0;
    prev_eol_bare_ = false;
    prev_line_delimiter_ = false;
    last_byte_ = '\0';
    at_line_start_ = true;
    line_ = line_kind::unknown;
    open_part(0);
    update_head_limit();
}

void structure_parser::open_part(std::uint64_t offset) { open_part_at(offset, lf_count_, bare_count_); }

void structure_parser::open_part_at(std::uint64_t offset, std::uint64_t lf, std::uint64_t bare) {
    auto& parts = result_.parts_;
    message_part p;
    p.header_offset = offset;
    if (!frames_.empty()) {
        const std::uint32_t parent = frames_.back().part;
        p.parent = parent;
        p.depth = parts[parent].depth + 1;
        ++parts[parent].child_count;
    }
    const auto index = static_cast<std::uint32_t>(parts.size());
    parts.push_back(std::move(p));
    frame f;
    f.part = index;
    f.lf_at_start = f.lf_at_body = lf;
    f.bare_at_start = f.bare_at_body = bare;
    frames_.push_back(f);
    header_.clear();
    header_overflow_ = false;
}

void structure_parser::update_head_limit() {
    std::size_t longest = pending_blank_ ? candidate_boundary().size() : 0;
    shortest_boundary_ = std::string::npos;
    for (const auto& b : boundaries_) {
        longest = std::max(longest, b.text.size());
        shortest_boundary_ = std::min(shortest_boundary_, b.text.size());
    }
    // "--" boundary "--" decides a delimiter line; 3 bytes decide a blank line.
    head_limit_ = std::max<std::size_t>(3, longest == 0 ? 0 : longest + 4);
}

// The boundary of the multipart whose header just ended with a blank line,
// if it will be parsed as one: its first delimiter may be the very next line.
std::string_view structure_parser::candidate_boundary() const noexcept {
    if (!pending_blank_ || pending_.kind != detail::header_analysis::container::multipart) return {};
    if (!can_nest(frames_.back())) return {};
    return std::string_view(pending_.boundary).substr(0, limits_.max_boundary_length);
}

bool structure_parser::can_nest(const frame& f) const noexcept {
    return result_.parts_[f.part].depth + 1 < limits_.max_nesting && can_add_part();
}

void structure_parser::append_header(const char* p, std::size_t n) {
    if (header_overflow_) return;
    if (n > limits_.max_header_size - header_.size()) {
        header_.append(p, limits_.max_header_size - header_.size());
        header_overflow_ = true;
        result_.truncated_ = true;
        return;
    }
    header_.append(p, n);
}

// RFC 2046 section 5.1.1 and its implementor's note: a delimiter line is
// "--" boundary, matched as a prefix of the line. Like Dovecot
// (message-parser.c boundary_find), the innermost boundary is tried first,
// the longest match wins, and an exact match ends the search (README item
// 15). `candidate` is tried as the innermost of all. Returns the index in
// boundaries_ (boundaries_.size() for the candidate), or npos.
std::size_t structure_parser::find_boundary(std::string_view rest,
                                            std::string_view candidate) const noexcept {
    std::size_t find_size = rest.size();
    bool trailing_dashes = false;
    if (const auto lf = rest.find('\n'); lf != std::string_view::npos) {
        find_size = lf;
        if (find_size > 0 && rest[find_size - 1] == '\r') --find_size;
        if (find_size > 2 && rest[find_size - 1] == '-' && rest[find_size - 2] == '-') trailing_dashes = true;
    }
    constexpr std::size_t none = std::string_view::npos;
    if (find_size < shortest_boundary_ && (candidate.empty() || find_size < candidate.size())) return none;
    std::size_t best = none;
    std::size_t best_len = 0;
    for (std::size_t i = boundaries_.size() + 1; i-- > 0;) {
        const std::string_view b =
            i == boundaries_.size() ? candidate : std::string_view(boundaries_[i].text);
        if (b.empty()) continue;
        if (b.size() <= find_size && std::memcmp(b.data(), rest.data(), b.size()) == 0 &&
            (best == none || best_len < b.size())) {
            best = i;
            best_len = b.size();
            if (b.size() == find_size || (b.size() + 2 == find_size && trailing_dashes)) break;
        }
    }
    return best;
}

void structure_parser::classify(std::string_view head) {
    const std::string_view candidate = candidate_boundary();
    if ((!boundaries_.empty() || !candidate.empty()) && can_add_part() && head.size() >= 2 &&
        head[0] == '-' && head[1] == '-') {
        const std::string_view rest = head.substr(2);
        const std::size_t best = find_boundary(rest, candidate);
        if (best != std::string_view::npos) {
            const std::size_t len =
                best == boundaries_.size() ? candidate.size() : boundaries_[best].text.size();
            const bool close = rest.size() >= len + 2 && rest[len] == '-' && rest[len + 1] == '-';
            std::size_t owner = 0;
            if (best == boundaries_.size()) {
                // The multipart's body starts with its own first delimiter.
                end_header(line_start_, lf_count_, bare_count_, true);
                owner = frames_.size() - 1;
            } else {
                owner = boundaries_[best].frame;
                close_frames_above(owner);
            }
            if (close) {
                boundaries_.pop_back();  // the owner's, now the innermost
                frames_[owner].has_boundary = false;
                update_head_limit();
            }
            line_ = close ? line_kind::close_delimiter : line_kind::delimiter;
            return;
        }
    }
    // Not a delimiter: a header that ended with a blank line is over, and
    // this line starts the body (or an encapsulated message's header).
    if (pending_blank_) end_header(line_start_, lf_count_, bare_count_, true);
    if (frames_.back().in_header && (head == "\n" || head == "\r\n")) {
        line_ = line_kind::blank;
        return;
    }
    line_ = line_kind::normal;
}

// The parts above `keep` end at the delimiter line starting at line_start_,
// before the line break that precedes it (README items 4 and 16), with two
// exceptions that follow Dovecot's message-parser.c:
// - a line break that ends a delimiter line belongs to the multipart: a
//   part that starts right after it is empty, and a multipart closed on the
//   line before keeps its close delimiter's line break (`011`, `091`, `104`);
// - when the innermost part is still in its header, only that header loses
//   the line break ("The previous [CR]LF belongs to the MIME boundary"); the
//   parts around it keep it (`090`: the message/rfc822 part is 2 octets
//   longer than its encapsulated message).
void structure_parser::close_frames_above(std::size_t keep) {
    const std::uint64_t eol = prev_eol_bare_ ? 1 : 2;
    const bool in_header = frames_.back().in_header;
    bool innermost = true;
    while (frames_.size() > keep + 1) {
        const auto& p = result_.parts_[frames_.back().part];
        const bool keeps_eol = prev_line_delimiter_ || p.header_offset == line_start_ || line_start_ < eol ||
                               (in_header && !innermost);
        innermost = false;
        if (keeps_eol)
            close_top(line_start_, lf_count_, bare_count_);
        else
            close_top(line_start_ - eol, lf_count_ - 1, bare_count_ - (prev_eol_bare_ ? 1 : 0));
    }
}

detail::header_analysis structure_parser::analyze_header() const {
    const bool in_digest = frames_.size() >= 2 && frames_[frames_.size() - 2].is_digest;
    return detail::analyze_part_header(header_, in_digest);
}

void structure_parser::end_header(std::uint64_t end, std::uint64_t lf, std::uint64_t bare,
                                  bool at_blank_line) {
    frame& f = frames_.back();
    const std::uint32_t index = f.part;
    auto& parts = result_.parts_;
    {
        message_part& p = parts[index];
        p.header_size = end - p.header_offset;
        p.header_imap_size = p.header_size + (bare - f.bare_at_start);
    }
    f.in_header = false;
    f.lf_at_body = lf;
    f.bare_at_body = bare;

    // The header ends before the line break of a following delimiter line,
    // which header_ may already hold; a header cut by max_header_size loses
    // its incomplete last line.
    if (header_.size() > parts[index].header_size) header_.resize(parts[index].header_size);
    if (header_overflow_) {
        const auto last_lf = header_.rfind('\n');
        header_.resize(last_lf == std::string::npos ? 0 : last_lf + 1);
    }
    detail::header_analysis a;
    if (pending_blank_) {
        a = std::move(pending_);
        pending_blank_ = false;
    } else {
        a = analyze_header();
    }

    const bool message_root =
        parts[index].parent == message_part::npos || parts[parts[index].parent].kind == part_kind::message;
    if (message_root) {
        parts[index].envelope_index = static_cast<std::uint32_t>(result_.envelopes_.size());
        result_.envelopes_.push_back(make_envelope(header_));
    }

    using container = detail::header_analysis::container;
    if (a.kind != container::none) {
        // README item 17: Dovecot parses a container at depth d only while
        // d + 1 < MESSAGE_PARSER_DEFAULT_MAX_NESTED_MIME_PARTS.
        if (!can_nest(f)) {
            detail::make_opaque(a);
            result_.truncated_ = true;
        }
    }
    message_part& p = parts[index];
    p.cte = a.cte;
    p.is_text = a.is_text;
    p.fields = std::move(a.fields);
    header_.clear();
    header_overflow_ = false;

    if (a.kind == container::multipart) {
        p.kind = part_kind::multipart;
        f.is_digest = a.is_digest;
        if (!a.boundary.empty() && at_blank_line) {
            if (a.boundary.size() > limits_.max_boundary_length)
                a.boundary.resize(limits_.max_boundary_length);
            boundaries_.push_back({std::move(a.boundary), static_cast<std::uint32_t>(frames_.size() - 1)});
            f.has_boundary = true;
            update_head_limit();
        }
    } else if (a.kind == container::message) {
        p.kind = part_kind::message;
        // The encapsulated message starts with its own header block.
        if (at_blank_line) open_part_at(end, lf, bare);
    }
}

void structure_parser::close_top(std::uint64_t end, std::uint64_t lf, std::uint64_t bare) {
    if (frames_.back().in_header) end_header(end, lf, bare, false);
    const frame f = frames_.back();
    {
        message_part& p = result_.parts_[f.part];
        p.body_size = end - p.body_offset();
        p.body_imap_size = p.body_size + (bare - f.bare_at_body);
        p.body_lines = lf - f.lf_at_body;
    }
    if (f.has_boundary) {
        boundaries_.pop_back();
        update_head_limit();
    }
    const part_kind kind = result_.parts_[f.part].kind;
    const std::uint32_t children = result_.parts_[f.part].child_count;
    if (kind == part_kind::multipart && children == 0) {
        // README item 16: a multipart without any body part gets one empty
        // text/plain child, as Dovecot shows it.
        open_part_at(end, lf, bare);
        message_part& child = result_.parts_[frames_.back().part];
        child.is_synthetic = true;
        child.fields = detail::analyze_part_header({}, false).fields;
        frames_.pop_back();
    } else if (kind == part_kind::message && children == 0) {
        // Its header ended at a delimiter or at the end: an empty message.
        open_part_at(end, lf, bare);
        close_top(end, lf, bare);
    }
    frames_.pop_back();
}

void structure_parser::on_line_end(bool bare, std::uint64_t next_line) {
    ++lf_count_;
    if (bare) {
        ++bare_count_;
        result_.has_bare_lf_ = true;
    }
    prev_eol_bare_ = bare;
    prev_line_delimiter_ = line_ == line_kind::delimiter || line_ == line_kind::close_delimiter;
    at_line_start_ = true;
    if (line_ == line_kind::blank) {
        // The header ends here unless the next line is a delimiter, which
        // then takes this line break (see close_frames_above).
        pending_ = analyze_header();
        pending_blank_ = true;
        update_head_limit();
    } else if (line_ == line_kind::delimiter) {
        open_part(next_line);
    }
}

void structure_parser::feed(std::string_view chunk) {
    if (chunk.empty()) return;
    if (!result_.has_nul_ && std::memchr(chunk.data(), '\0', chunk.size()) != nullptr)
        result_.has_nul_ = true;
    const char* const begin = chunk.data();
    const char* const end = begin + chunk.size();
    const std::uint64_t base = offset_;
    const char* p = begin;
    while (p < end) {
        // Where the LF of the current line is, when classification found it;
        // else the first byte not yet known to be free of LF.
        const char* known_lf = nullptr;
        const char* scan_from = p;
        if (at_line_start_) {
            at_line_start_ = false;
            line_start_ = base + static_cast<std::uint64_t>(p - begin);
            head_.clear();
            const bool in_header = frames_.back().in_header;
            const bool scan = in_header || (!boundaries_.empty() && can_add_part());
            line_ = scan ? line_kind::unknown : line_kind::normal;
            // Fast path: a body line that does not start with "--" is data.
            if (scan && !in_header && (p[0] != '-' || (end - p >= 2 && p[1] != '-')))
                line_ = line_kind::normal;
        }
        if (line_ == line_kind::unknown) {
            // Classify the line from its first head_limit_ bytes (or all of
            // it, up to its LF); only when they span chunks are they copied.
            const std::size_t want = head_limit_ - head_.size();
            const std::size_t n = std::min(want, static_cast<std::size_t>(end - p));
            const auto* lf = static_cast<const char*>(std::memchr(p, '\n', n));
            if (head_.empty() && (lf != nullptr || n == want)) {
                classify(std::string_view(p, lf != nullptr ? static_cast<std::size_t>(lf - p + 1) : n));
                known_lf = lf;
                scan_from = lf != nullptr ? lf : p + n;
            } else {
                const std::size_t take = lf != nullptr ? static_cast<std::size_t>(lf - p) : n;
                head_.append(p, take);
                p += take;
                if (lf != nullptr) {
                    head_.push_back('\n');
                    classify(head_);
                    head_.pop_back();
                } else if (head_.size() >= head_limit_) {
                    classify(head_);
                } else {
                    continue;  // the chunk ended inside the head
                }
                if ((line_ == line_kind::normal || line_ == line_kind::blank) && frames_.back().in_header)
                    append_header(head_.data(), head_.size());
                if (p == end) break;
                scan_from = p;
            }
        }
        const auto* lf = known_lf != nullptr
                             ? known_lf
                             : static_cast<const char*>(
                                   std::memchr(scan_from, '\n', static_cast<std::size_t>(end - scan_from)));
        const char* const seg_end = lf != nullptr ? lf + 1 : end;
        if ((line_ == line_kind::normal || line_ == line_kind::blank) && frames_.back().in_header)
            append_header(p, static_cast<std::size_t>(seg_end - p));
        if (lf != nullptr) {
            const char before = lf > begin ? lf[-1] : last_byte_;
            on_line_end(before != '\r', base + static_cast<std::uint64_t>(seg_end - begin));
        }
        p = seg_end;
    }
    last_byte_ = end[-1];
    offset_ = base + chunk.size();
}

message_structure structure_parser::finish() {
    if (!at_line_start_) {
        if (line_ == line_kind::unknown) {
            // The message ends inside the head of its last line.
            classify(head_);
            if ((line_ == line_kind::normal || line_ == line_kind::blank) && frames_.back().in_header)
                append_header(head_.data(), head_.size());
        }
        // A delimiter line without a line break still opens an (empty) part.
        if (line_ == line_kind::delimiter) open_part(offset_);
    }
    while (!frames_.empty()) close_top(offset_, lf_count_, bare_count_);
    result_.size_ = offset_;
    result_.link_siblings();
    message_structure out = std::move(result_);
    result_ = message_structure();
    reset();
    return out;
}

result<message_structure> parse_structure(byte_source& message, structure_limits limits,
                                          std::size_t chunk_size) {
    structure_parser parser(limits);
    std::string buffer(std::max<std::size_t>(chunk_size, 1), '\0');
    const std::uint64_t total = message.size();
    std::uint64_t offset = 0;
    while (offset < total) {
        auto n = message.read(offset, std::span<char>(buffer.data(), buffer.size()));
        if (!n) return unexpected(n.error());
        if (*n == 0) break;  // the source shrank; parse what there is
        parser.feed(std::string_view(buffer.data(), *n));
        offset += *n;
    }
    return parser.finish();
}

message_structure parse_structure(std::string_view message, structure_limits limits) {
    structure_parser parser(limits);
    parser.feed(message);
    return parser.finish();
}

}  // namespace mailaccess::mime
