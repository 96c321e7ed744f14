#pragma once
// One report page built once and written twice, as Markdown and as HTML that
// shows the same: headings, paragraphs, tables and images, in order.
#include <string>
#include <variant>
#include <vector>

namespace efgnn {

class ReportPage {
 public:
  explicit ReportPage(std::string title) : title_(std::move(title)) {}

  void heading(std::string text);
  void paragraph(std::string text);
  /// Rows must have as many cells as the header.
  void table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows);
  /// An image file (path relative to the page) with its caption.
  void image(std::string file, std::string caption);

  std::string markdown() const;
  std::string html() const;

 private:
  struct Heading {
    std::string text;
  };
  struct Paragraph {
    std::string text;
  };
  struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
  };
  struct Image {
    std::string file, caption;
  };
  std::string title_;
  std::vector<std::variant<Heading, Paragraph, Table, Image>> blocks_;
};

}  // namespace efgnn
