// Package tokens counts tokens the way a model sees text: with a real BPE
// tokenizer (o200k_base, the encoding of GPT-4o and GPT-4.1), offline.
package tokens

import (
	"fmt"
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

var (
	once sync.Once
	enc  tokenizer.Codec
	err  error
)

func codec() (tokenizer.Codec, error) {
	once.Do(func() { enc, err = tokenizer.Get(tokenizer.O200kBase) })
	return enc, err
}

// Count returns the number of o200k_base tokens in s.
func Count(s string) int {
	c, err := codec()
	if err != nil {
		panic(fmt.Sprintf("tokens: load o200k_base: %v", err))
	}
	n, err := c.Count(s)
	if err != nil {
		ids, _, _ := c.Encode(s)
		return len(ids)
	}
	return n
}
