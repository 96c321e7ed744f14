#include "eval/ReportPage.hpp"

#include "core/Error.hpp"

namespace efgnn {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

std::string escapeHtml(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/// A Markdown table cell: pipes escaped, line breaks flattened.
std::string markdownCell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

}  // namespace

void ReportPage::heading(std::string text) { blocks_.emplace_back(Heading{std::move(text)}); }
void ReportPage::paragraph(std::string text) { blocks_.emplace_back(Paragraph{std::move(text)}); }
void ReportPage::image(std::string file, std::string caption) {
  blocks_.emplace_back(Image{std::move(file), std::move(caption)});
}

void ReportPage::table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows) {
  for (const auto& row : rows)
    if (row.size() != header.size())
      throw Error("report table: a row of " + std::to_string(row.size()) + " cells under a header of " +
                  std::to_string(header.size()));
  blocks_.emplace_back(Table{std::move(header), std::move(rows)});
}

std::string ReportPage::markdown() const {
  std::string out = "# " + title_ + "\n";
  for (const auto& block : blocks_) {
    out += "\n";
    std::visit(Overloaded{
                   [&](const Heading& h) { out += "## " + h.text + "\n"; },
                   [&](const Paragraph& p) { out += p.text + "\n"; },
                   [&](const Table& t) {
                     const auto row = [&](const std::vector<std::string>& cells) {
                       out += "|";
                       for (const auto& c : cells) out += " " + markdownCell(c) + " |";
                       out += "\n";
                     };
                     row(t.header);
                     out += "|";
                     for (std::size_t i = 0; i < t.header.size(); ++i) out += "---|";
                     out += "\n";
                     for (const auto& r : t.rows) row(r);
                   },
                   [&](const Image& i) { out += "![" + i.caption + "](" + i.file + ")\n\n*" + i.caption + "*\n"; },
               },
               block);
  }
  return out;
}

std::string ReportPage::html() const {
  std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escapeHtml(title_) +
                    "</"
                    "title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:auto}"
                    "table{border-collapse:collapse}td,th{border:1px solid #aaa;padding:2px "
                    "8px;text-align:right}"
                    "figure{margin:1em 0}img{max-width:100%}</style></head><body>\n<h1>" +
                    escapeHtml(title_) + "</h1>\n";
  for (const auto& block : blocks_) {
    std::visit(Overloaded{
                   [&](const Heading& h) { out += "<h2>" + escapeHtml(h.text) + "</h2>\n"; },
                   [&](const Paragraph& p) { out += "<p>" + escapeHtml(p.text) + "</p>\n"; },
                   [&](const Table& t) {
                     out += "<table>\n<tr>";
                     for (const auto& c : t.header) out += "<th>" + escapeHtml(c) + "</th>";
                     out += "</tr>\n";
                     for (const auto& r : t.rows) {
                       out += "<tr>";
                       for (const auto& c : r) out += "<td>" + escapeHtml(c) + "</td>";
                       out += "</tr>\n";
                     }
                     out += "</table>\n";
                   },
                   [&](const Image& i) {
                     out += "<figure><img src=\"" + escapeHtml(i.file) + "\" alt=\"" + escapeHtml(i.caption) +
                            "\"><figcaption>" + escapeHtml(i.caption) + "</figcaption></figure>\n";
                   },
               },
               block);
  }
  return out + "</body></html>\n";
}

}  // namespace efgnn
