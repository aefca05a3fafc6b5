package jira

import (
	"encoding/json"
	"strings"
)

// node is one node of the Atlassian Document Format, the rich-text JSON that
// REST API v3 takes and returns for descriptions and comments.
type node struct {
	Type    string         `json:"type"`
	Version int            `json:"version,omitempty"`
	Text    string         `json:"text,omitempty"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []node         `json:"content,omitempty"`
}

// document turns plain text into an ADF document: a paragraph per block
// separated by a blank line, a hard break per line inside a block.
func document(text string) node {
	doc := node{Type: "doc", Version: 1, Content: []node{}}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	for _, block := range strings.Split(text, "\n\n") {
		var p node
		p.Type = "paragraph"
		for i, line := range strings.Split(strings.Trim(block, "\n"), "\n") {
			if i > 0 {
				p.Content = append(p.Content, node{Type: "hardBreak"})
			}
			if line != "" { // ADF forbids empty text nodes
				p.Content = append(p.Content, node{Type: "text", Text: line})
			}
		}
		if len(p.Content) > 0 {
			doc.Content = append(doc.Content, p)
		}
	}
	return doc
}

// plainText reads a rich-text value as plain text. Jira sends either a
// string (webhooks carry the wiki-markup rendering) or an ADF document.
func plainText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n node
	if json.Unmarshal(raw, &n) != nil {
		return ""
	}
	var b strings.Builder
	writeText(&b, n, 0)
	return strings.TrimSpace(b.String())
}

// maxDepth bounds recursion over nested ADF from outside.
const maxDepth = 32

func writeText(b *strings.Builder, n node, depth int) {
	if depth > maxDepth {
		return
	}
	switch n.Type {
	case "text":
		b.WriteString(n.Text)
	case "hardBreak":
		b.WriteString("\n")
	case "mention", "emoji":
		if t, ok := n.Attrs["text"].(string); ok {
			b.WriteString(t)
		}
	}
	for _, c := range n.Content {
		writeText(b, c, depth+1)
	}
	switch n.Type {
	case "paragraph", "heading", "listItem", "codeBlock", "blockquote", "rule":
		b.WriteString("\n")
	}
}
