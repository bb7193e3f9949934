package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// tributary writes POST /v1/entries (one payment) or /v1/entries/batch.
type tributary struct{ base string }

// Every posting says why it moves what it moves.
var sharePaths = [3]string{"payment -> split 70% -> ", "payment -> split 20% -> ", "payment -> split 10% -> "}

func appendTributaryPostings(b []byte, p payment) []byte {
	buyer := BuyerAccount(p.buyer)
	b = append(b, `"postings":[`...)
	for i, s := range p.sellers {
		seller := SellerAccount(s)
		b = appendPosting(b, buyer, seller, Shares[i], sharePaths[i]+seller)
		b = append(b, ',')
	}
	b = appendPosting(b, buyer, Treasury, FeeCents, "payment -> fee 2.5%")
	return append(b, ']')
}

func appendPosting(b []byte, from, to string, cents int, path string) []byte {
	b = append(b, `{"from":"`...)
	b = append(b, from...)
	b = append(b, `","to":"`...)
	b = append(b, to...)
	b = append(b, `","amount":"`...)
	b = strconv.AppendInt(b, int64(cents), 10)
	b = append(b, `","currency":"USD","path":"`...)
	b = append(b, path...)
	return append(b, `"}`...)
}

func (t *tributary) request(ctx context.Context, pays []payment) (*http.Request, error) {
	var b []byte
	url := t.base + "/v1/entries"
	if len(pays) == 1 {
		b = append(b, '{')
		b = appendTributaryPostings(b, pays[0])
		b = append(b, '}')
	} else {
		url += "/batch"
		b = append(b, `{"entries":[`...)
		for i, p := range pays {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"key":"`...)
			b = append(b, p.key...)
			b = append(b, `",`...)
			b = appendTributaryPostings(b, p)
			b = append(b, '}')
		}
		b = append(b, "]}"...)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if len(pays) == 1 {
		req.Header.Set("Idempotency-Key", pays[0].key) // a batch's entries carry theirs
	}
	return req, nil
}

func (t *tributary) check(resp *http.Response, body []byte, n int) error {
	if n == 1 {
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "" {
			return fmt.Errorf("answered %s (replayed %q): %.300s", resp.Status, resp.Header.Get("Idempotent-Replayed"), body)
		}
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("answered %s: %.300s", resp.Status, body)
	}
	var br struct {
		Results []struct {
			Key    string `json:"key"`
			Status string `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &br); err != nil {
		return fmt.Errorf("reading the batch's answer: %w", err)
	}
	if len(br.Results) != n {
		return fmt.Errorf("%d results for %d payments", len(br.Results), n)
	}
	for _, r := range br.Results {
		if r.Status != "created" {
			return fmt.Errorf("payment %s was %s: %.300s", r.Key, r.Status, body)
		}
	}
	return nil
}

// formance writes Formance Ledger v2's POST /v2/{ledger}/transactions (one
// payment) or /v2/{ledger}/_bulk. Buyers have no funds there, so every
// transaction is forced (Formance's balance check off): the load measures
// recording payments, as Tributary's external buyer accounts do.
type formance struct {
	base, ledger string
	atomic       bool
}

// formanceAccount is the workload's account in Formance's alphabet (no @
// or -): buyers:N, sellers:N, treasury.
func formanceAccount(kind string, n int) string { return kind + ":" + strconv.Itoa(n) }

func appendFormanceTx(b []byte, p payment) []byte {
	buyer := formanceAccount("buyers", p.buyer)
	b = append(b, `{"metadata":{},"force":true,"postings":[`...)
	for i, s := range p.sellers {
		b = appendFormancePosting(b, buyer, formanceAccount("sellers", s), Shares[i])
		b = append(b, ',')
	}
	b = appendFormancePosting(b, buyer, Treasury, FeeCents)
	return append(b, "]}"...)
}

func appendFormancePosting(b []byte, from, to string, cents int) []byte {
	b = append(b, `{"source":"`...)
	b = append(b, from...)
	b = append(b, `","destination":"`...)
	b = append(b, to...)
	b = append(b, `","amount":`...)
	b = strconv.AppendInt(b, int64(cents), 10)
	return append(b, `,"asset":"USD/2"}`...)
}

// create makes the ledger; one that exists already is fine.
func (f *formance) create(ctx context.Context, hc *http.Client, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.base+"/v2/"+f.ledger, bytes.NewReader([]byte("{}")))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("creating ledger %s: %w", f.ledger, err)
	}
	defer resp.Body.Close()
	body, _ := readAll(resp.Body, nil)
	if resp.StatusCode/100 == 2 || bytes.Contains(body, []byte("ALREADY_EXISTS")) {
		return nil
	}
	return fmt.Errorf("creating ledger %s: %s: %.300s", f.ledger, resp.Status, body)
}

func (f *formance) request(ctx context.Context, pays []payment) (*http.Request, error) {
	var b []byte
	url := f.base + "/v2/" + f.ledger
	if len(pays) == 1 {
		// Force in the query too: releases before v2.4 read it only
		// there, later ones from either.
		url += "/transactions?force=true"
		b = appendFormanceTx(b, pays[0])
	} else {
		url += "/_bulk?atomic=" + strconv.FormatBool(f.atomic)
		b = append(b, '[')
		for i, p := range pays {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"action":"CREATE_TRANSACTION","ik":"`...)
			b = append(b, p.key...)
			b = append(b, `","data":`...)
			b = appendFormanceTx(b, p)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if len(pays) == 1 {
		req.Header.Set("Idempotency-Key", pays[0].key)
	}
	return req, nil
}

func (f *formance) check(resp *http.Response, body []byte, n int) error {
	if resp.StatusCode/100 != 2 || resp.Header.Get("Idempotency-Hit") != "" {
		return fmt.Errorf("answered %s (idempotency hit %q): %.300s", resp.Status, resp.Header.Get("Idempotency-Hit"), body)
	}
	if n == 1 {
		return nil
	}
	var br struct {
		Data []struct {
			ResponseType string `json:"responseType"`
			ErrorCode    string `json:"errorCode"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &br); err != nil {
		return fmt.Errorf("reading the bulk's answer: %w", err)
	}
	if len(br.Data) != n {
		return fmt.Errorf("%d results for %d payments", len(br.Data), n)
	}
	for _, d := range br.Data {
		if d.ResponseType != "CREATE_TRANSACTION" {
			return fmt.Errorf("a payment was answered %s %s: %.300s", d.ResponseType, d.ErrorCode, body)
		}
	}
	return nil
}
