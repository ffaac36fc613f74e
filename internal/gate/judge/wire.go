package judge

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The request and response shapes of the two providers, reduced to the
// fields the judge uses.

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type openAIRequest struct {
	Model       string        `json:"model"`
	Messages    []chatMessage `json:"messages"`
	MaxTokens   int           `json:"max_tokens"`
	Temperature float64       `json:"temperature"`
}

type openAIResponse struct {
	Choices []struct {
		Message struct {
			Content json.RawMessage `json:"content"`
			Refusal *string         `json:"refusal"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
}

type anthropicRequest struct {
	Model       string        `json:"model"`
	System      string        `json:"system"`
	Messages    []chatMessage `json:"messages"`
	MaxTokens   int           `json:"max_tokens"`
	Temperature float64       `json:"temperature"`
}

type anthropicResponse struct {
	Type    string `json:"type"`
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StopReason string `json:"stop_reason"`
}

func (j *Judge) encode(p prompt) ([]byte, error) {
	switch j.cfg.Provider {
	case OpenAI:
		return json.Marshal(openAIRequest{
			Model: j.cfg.Model,
			Messages: []chatMessage{
				{Role: "system", Content: p.System},
				{Role: "user", Content: p.User},
			},
			MaxTokens: j.cfg.MaxTokens,
		})
	case Anthropic:
		return json.Marshal(anthropicRequest{
			Model:     j.cfg.Model,
			System:    p.System,
			Messages:  []chatMessage{{Role: "user", Content: p.User}},
			MaxTokens: j.cfg.MaxTokens,
		})
	}
	return nil, fmt.Errorf("provider %q unknown", j.cfg.Provider)
}

// decodeOpenAI returns choices[0].message.content. Content is a string; an
// array of {"type": "text", "text": ...} parts, as some compatible servers
// send, is joined.
func decodeOpenAI(data []byte) (string, error) {
	var r openAIResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return "", fmt.Errorf("not a chat completion: %v", err)
	}
	if len(r.Choices) == 0 {
		return "", errors.New("no choices")
	}
	m := r.Choices[0].Message
	if m.Refusal != nil && *m.Refusal != "" {
		return "", fmt.Errorf("the model refused: %s", bound(cleanText(*m.Refusal), 300))
	}
	var text string
	if err := json.Unmarshal(m.Content, &text); err != nil {
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(m.Content, &parts); err != nil {
			return "", errors.New("choices[0].message.content is neither a string nor a list of parts")
		}
		var b strings.Builder
		for _, p := range parts {
			if p.Type == "text" {
				b.WriteString(p.Text)
			}
		}
		text = b.String()
	}
	if strings.TrimSpace(text) == "" {
		return "", fmt.Errorf("empty answer (finish_reason %q)", r.Choices[0].FinishReason)
	}
	return text, nil
}

// decodeAnthropic returns the text of the content blocks, joined by
// newlines (thinking and other blocks are skipped).
func decodeAnthropic(data []byte) (string, error) {
	var r anthropicResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return "", fmt.Errorf("not a message: %v", err)
	}
	if r.Type != "" && r.Type != "message" {
		return "", fmt.Errorf("type %q, want \"message\"", r.Type)
	}
	var texts []string
	for _, c := range r.Content {
		if c.Type == "text" {
			texts = append(texts, c.Text)
		}
	}
	text := strings.Join(texts, "\n")
	if strings.TrimSpace(text) == "" {
		return "", fmt.Errorf("empty answer (stop_reason %q)", r.StopReason)
	}
	return text, nil
}

// providerError extracts error.message from an error body of either
// provider ({"error": {"message": ...}}), cleaned and bounded; "" if none.
func providerError(data []byte) string {
	var e struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error.Message == "" {
		return ""
	}
	msg := e.Error.Message
	if e.Error.Type != "" {
		msg = e.Error.Type + ": " + msg
	}
	return bound(cleanText(msg), 300)
}
