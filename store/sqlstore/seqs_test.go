package sqlstore

import (
	"bytes"
	"errors"
	"math/rand"
	"reflect"
	"testing"
)

func TestSeqsGolden(t *testing.T) {
	tests := []struct {
		seqs []uint64
		want []byte
	}{
		{[]uint64{7}, []byte{}},
		{[]uint64{7, 8, 10}, []byte{1, 2}},
		{[]uint64{1, 201}, []byte{0xc8, 0x01}},
	}
	for _, tt := range tests {
		got := encodeSeqs(tt.seqs)
		if got == nil || !bytes.Equal(got, tt.want) {
			t.Errorf("encodeSeqs(%v) = %#v; want %#v", tt.seqs, got, tt.want)
		}
		back, err := decodeSeqs(nil, tt.seqs[0], got)
		if err != nil || !reflect.DeepEqual(back, tt.seqs) {
			t.Errorf("decodeSeqs of %v = %v, %v; want %v", tt.seqs, back, err, tt.seqs)
		}
	}
}

func TestSeqsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for c := 0; c < 20000; c++ {
		seqs := []uint64{1 + uint64(rng.Int63n(1<<40))}
		for i := rng.Intn(50); i > 0; i-- {
			seqs = append(seqs, seqs[len(seqs)-1]+1+uint64(rng.Int63n(1<<uint(rng.Intn(30)+1))))
		}
		got, err := decodeSeqs([]uint64{99}, seqs[0], encodeSeqs(seqs))
		if err != nil || !reflect.DeepEqual(got[1:], seqs) || got[0] != 99 {
			t.Fatalf("case %d: round trip of %v = %v, %v", c, seqs, got, err)
		}
	}
}

func TestSeqsRefused(t *testing.T) {
	tests := []struct {
		name  string
		first uint64
		more  []byte
	}{
		{"zero distance", 5, []byte{1, 0}},
		{"truncated", 5, []byte{0x80}},
		{"overlong", 5, []byte{0x81, 0x00}},
		{"past 2^64", 1<<64 - 2, []byte{5}},
		{"longer than a batch and a balance's list", 1, bytes.Repeat([]byte{1}, seqsListMax)},
	}
	for _, tt := range tests {
		if _, err := decodeSeqs(nil, tt.first, tt.more); !errors.Is(err, errSeqsBlob) {
			t.Errorf("%s: error = %v; want errSeqsBlob", tt.name, err)
		}
	}
}

func FuzzDecodeSeqs(f *testing.F) {
	f.Add(uint64(1), []byte{})
	f.Add(uint64(7), []byte{1, 2})
	f.Add(uint64(7), []byte{0x81, 0x00})
	f.Fuzz(func(t *testing.T, first uint64, more []byte) {
		seqs, err := decodeSeqs(nil, first, more)
		if err != nil {
			return
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] <= seqs[i-1] {
				t.Fatalf("decoded %v does not ascend", seqs)
			}
		}
		if again := encodeSeqs(seqs); !bytes.Equal(again, more) {
			t.Fatalf("decode then encode of %v gave %v", more, again)
		}
	})
}

func TestRecentGolden(t *testing.T) {
	tests := []struct {
		seqs []uint64
		want []byte
	}{
		{nil, []byte{}},
		{[]uint64{7}, []byte{7}},
		{[]uint64{7, 8, 10}, []byte{7, 1, 2}},
		{[]uint64{300, 301}, []byte{0xac, 0x02, 1}},
	}
	for _, tt := range tests {
		got := encodeRecent(nil, tt.seqs)
		if got == nil || !bytes.Equal(got, tt.want) {
			t.Errorf("encodeRecent(%v) = %#v; want %#v", tt.seqs, got, tt.want)
		}
		back, err := decodeRecent(nil, got)
		if err != nil || !reflect.DeepEqual(back, tt.seqs) {
			t.Errorf("decodeRecent of %v = %v, %v; want %v", tt.seqs, back, err, tt.seqs)
		}
	}
}

func TestRecentRefused(t *testing.T) {
	long := encodeRecent(nil, []uint64{1})
	for i := 0; i < RecentMax; i++ {
		long = append(long, 1)
	}
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"entry zero", []byte{0}},
		{"truncated first", []byte{0x80}},
		{"overlong first", []byte{0x81, 0x00}},
		{"zero distance", []byte{5, 0}},
		{"truncated distance", []byte{5, 0x80}},
		{"more than RecentMax", long},
	} {
		if _, err := decodeRecent(nil, tt.b); !errors.Is(err, errSeqsBlob) {
			t.Errorf("%s: decodeRecent(%v) error = %v; want errSeqsBlob", tt.name, tt.b, err)
		}
	}
}

func FuzzDecodeRecent(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{7, 1, 2})
	f.Add([]byte{0xac, 0x02, 1})
	f.Add([]byte{0x81, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		seqs, err := decodeRecent(nil, b)
		if err != nil {
			return
		}
		if len(seqs) > RecentMax {
			t.Fatalf("decoded %d entries; at most %d", len(seqs), RecentMax)
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] <= seqs[i-1] {
				t.Fatalf("decoded %v does not ascend", seqs)
			}
		}
		if again := encodeRecent(nil, seqs); !bytes.Equal(again, b) {
			t.Fatalf("decode then encode of %v gave %v", b, again)
		}
	})
}
