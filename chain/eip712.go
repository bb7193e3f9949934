package chain

import (
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/hex"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program/feeshare"
)

// The EIP-712 domain and message type of a fee-share request. Wallets show
// the domain's name and version to the user before signing, and the chain id
// in the domain keeps a signature for one chain from being replayed on
// another.
const (
	DomainName    = "Tributary feeshare"
	DomainVersion = "1"
	// RequestType is the EIP-712 encoding of feeshare.Request. The
	// withdrawer is the zero address when there is none.
	RequestType = "FeeshareRequest(string action,address contract,address deployer,address withdrawer,uint64[] nonces,int64 expiry,uint64 nonce)"
	domainType  = "EIP712Domain(string name,string version,uint256 chainId)"
)

// Limits.
const (
	// NoncesMax bounds the nonces a signed request may carry: the seed's 20
	// CREATE derivation steps.
	NoncesMax = 20
	// SignatureLen is an Ethereum signature's length: r, s (32 bytes each)
	// and the recovery id v.
	SignatureLen = 65
	// actionLenMax bounds the action string hashed into a digest.
	actionLenMax = 16
)

// Errors.
var (
	// ErrSignature is a signature that cannot be an Ethereum signature: the
	// wrong length or encoding, a recovery id other than 0, 1, 27 or 28, r
	// or s out of range, or s in the upper half of the curve order (EIP-2),
	// which would make the signature malleable.
	ErrSignature = errcode.New(errcode.Invalid, "signature_malformed", "the signature is malformed")
	// ErrKey: a private key is not 64 hex digits of a valid secp256k1 key.
	ErrKey = errcode.New(errcode.Invalid, "key_invalid", "the private key is not 64 hex digits of a secp256k1 key")
	// ErrRequest is a request that cannot be signed or verified as typed
	// data: too many nonces, or an action that is too long.
	ErrRequest = errcode.New(errcode.Invalid, "request_invalid", "the request cannot be encoded as typed data")
	// ErrChainID is a request naming another chain than the one watched.
	ErrChainID = errcode.New(errcode.Unprocessable, "chain_id_mismatch", "the request names another chain")
)

var (
	domainTypeHash  = crypto.Keccak256([]byte(domainType))
	requestTypeHash = crypto.Keccak256([]byte(RequestType))
)

// DomainSeparator returns the EIP-712 domain separator for chainID.
func DomainSeparator(chainID uint64) [32]byte {
	var chain [32]byte
	binary.BigEndian.PutUint64(chain[24:], chainID)
	return [32]byte(crypto.Keccak256(domainTypeHash, crypto.Keccak256([]byte(DomainName)), crypto.Keccak256([]byte(DomainVersion)), chain[:]))
}

// Digest returns the EIP-712 digest of req, the 32 bytes the deployer's key
// signs: keccak256(0x19 0x01 ‖ domainSeparator(req.ChainID) ‖ hashStruct(req)).
//
// Errors: ErrRequest.
func Digest(req feeshare.Request) ([32]byte, error) {
	if len(req.Nonces) > NoncesMax {
		return [32]byte{}, errcode.Errorf(ErrRequest, "request has %d nonces; at most %d are allowed", len(req.Nonces), NoncesMax)
	}
	if len(req.Action) > actionLenMax {
		return [32]byte{}, errcode.Errorf(ErrRequest, "action %.20q is longer than %d bytes", req.Action, actionLenMax)
	}
	nonces := make([]byte, 0, 32*len(req.Nonces))
	for _, n := range req.Nonces {
		nonces = append(nonces, word(n)...)
	}
	var withdrawer feeshare.Address
	if req.Withdrawer != nil {
		withdrawer = *req.Withdrawer
	}
	expiry := new(big.Int).SetInt64(req.Expiry)
	structHash := crypto.Keccak256(
		requestTypeHash,
		crypto.Keccak256([]byte(req.Action)),
		addressWord(req.Contract),
		addressWord(req.Deployer),
		addressWord(withdrawer),
		crypto.Keccak256(nonces),
		signedWord(expiry),
		word(req.Nonce),
	)
	sep := DomainSeparator(req.ChainID)
	return [32]byte(crypto.Keccak256([]byte{0x19, 0x01}, sep[:], structHash)), nil
}

// word is x as a 32-byte big-endian EIP-712 word.
func word(x uint64) []byte {
	var w [32]byte
	binary.BigEndian.PutUint64(w[24:], x)
	return w[:]
}

// signedWord is x as a 32-byte two's complement word, as EIP-712 encodes
// intN values.
func signedWord(x *big.Int) []byte {
	var w [32]byte
	if x.Sign() >= 0 {
		x.FillBytes(w[:])
		return w[:]
	}
	// 2^256 + x for negative x.
	m := new(big.Int).Lsh(big.NewInt(1), 256)
	m.Add(m, x).FillBytes(w[:])
	return w[:]
}

func addressWord(a feeshare.Address) []byte {
	var w [32]byte
	copy(w[12:], a[:])
	return w[:]
}

// Sign signs req's digest with key and returns the 65-byte signature r ‖ s ‖
// v with v = 27 or 28, as wallets return from eth_signTypedData_v4.
//
// Errors: ErrRequest, and the key's signing error.
func Sign(req feeshare.Request, key *ecdsa.PrivateKey) ([]byte, error) {
	d, err := Digest(req)
	if err != nil {
		return nil, err
	}
	sig, err := crypto.Sign(d[:], key)
	if err != nil {
		return nil, err
	}
	sig[64] += 27
	return sig, nil
}

// ParseKey reads a secp256k1 private key written as 64 hex digits, with or
// without 0x, surrounding white space ignored (a key file's newline).
//
// Errors: ErrKey.
func ParseKey(s string) (*ecdsa.PrivateKey, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	if len(h) != 64 {
		return nil, errcode.Errorf(ErrKey, "the private key is %d hex digits; want 64", len(h))
	}
	k, err := crypto.HexToECDSA(h)
	if err != nil {
		return nil, errcode.Errorf(ErrKey, "the private key is not a secp256k1 key in hex: %v", err)
	}
	return k, nil
}

// Recover returns the address whose key produced sig over req's digest.
// A well-formed signature by another key, or over other fields, recovers
// another address: the caller compares it with the deployer.
//
// Errors: ErrRequest, ErrSignature.
func Recover(req feeshare.Request, sig []byte) (feeshare.Address, error) {
	d, err := Digest(req)
	if err != nil {
		return feeshare.Address{}, err
	}
	norm, err := checkSignature(sig)
	if err != nil {
		return feeshare.Address{}, err
	}
	pub, err := crypto.SigToPub(d[:], norm)
	if err != nil {
		return feeshare.Address{}, errcode.Errorf(ErrSignature, "signature does not recover a public key: %v", err)
	}
	return feeshare.Address(crypto.PubkeyToAddress(*pub)), nil
}

// checkSignature validates sig and returns a copy with v as 0 or 1, the
// form go-ethereum's recovery takes.
func checkSignature(sig []byte) ([]byte, error) {
	if len(sig) != SignatureLen {
		return nil, errcode.Errorf(ErrSignature, "signature is %d bytes; want %d (r, s, v)", len(sig), SignatureLen)
	}
	v := sig[64]
	switch v {
	case 0, 1:
	case 27, 28:
		v -= 27
	default:
		return nil, errcode.Errorf(ErrSignature, "signature recovery id v is %d; want 27 or 28 (or 0 or 1)", sig[64])
	}
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:64])
	if !crypto.ValidateSignatureValues(v, r, s, true) {
		return nil, errcode.Errorf(ErrSignature, "signature r or s is out of range (zero, at least the curve order, or s in the upper half)")
	}
	out := make([]byte, SignatureLen)
	copy(out, sig)
	out[64] = v
	return out, nil
}

// ParseSignature reads a signature written as hex, with or without 0x, and
// checks its form.
//
// Errors: ErrSignature.
func ParseSignature(s string) ([]byte, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(h) != 2*SignatureLen {
		return nil, errcode.Errorf(ErrSignature, "signature is %d hex digits; want %d (0x and 65 bytes r, s, v)", len(h), 2*SignatureLen)
	}
	sig, err := hex.DecodeString(h)
	if err != nil {
		return nil, errcode.Errorf(ErrSignature, "signature is not hex: %v", err)
	}
	if _, err := checkSignature(sig); err != nil {
		return nil, err
	}
	return sig, nil
}
