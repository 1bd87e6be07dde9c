#!/usr/bin/python3
"""gen-secrets.py - test secrets for tests/cli/safety-*.sh, made fresh.

Every value is synthetic and deterministic for a given seed (argv[2],
default 1), so a failure can be replayed; nothing here is a real key.

  gen-secrets.py KIND [SEED]

KIND:
  bip39-english-12 bip39-english-24 bip39-chinese_simplified-12
  bip39-chinese_traditional-12 bip39-chinese_simplified-24 ...
      a BIP39 phrase with a valid checksum (words separated by spaces)
  bip39-bad-english-12
      12 English list words whose checksum fails
  wif        a compressed mainnet WIF key (Base58Check, version 0x80)
  xprv       a BIP32 mainnet extended private key (Base58Check)
  hex64      64 lower-case hex digits
  uuid       a UUID-shaped API secret
"""
import hashlib
import sys

from mnemonic import Mnemonic

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58check(payload: bytes) -> str:
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def rnd(seed: str, label: str, n: int) -> bytes:
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}/{label}/{i}".encode()).digest()
        i += 1
    return out[:n]


def main() -> None:
    kind = sys.argv[1]
    seed = sys.argv[2] if len(sys.argv) > 2 else "1"
    if kind.startswith("bip39-"):
        parts = kind.split("-")
        bad = parts[1] == "bad"
        lang, words = parts[-2], int(parts[-1])
        m = Mnemonic(lang)
        ent = rnd(seed, kind, words * 4 // 3)
        phrase = m.to_mnemonic(ent)
        if bad:
            ws = phrase.split(" ")
            i = 0
            while m.check(" ".join(ws)):
                ws[-1] = m.wordlist[i]
                i += 1
            phrase = " ".join(ws)
        print(phrase)
    elif kind == "wif":
        print(b58check(b"\x80" + rnd(seed, kind, 32) + b"\x01"))
    elif kind == "xprv":
        payload = (bytes.fromhex("0488ade4") + b"\x03" + rnd(seed, "fp", 4) +
                   bytes.fromhex("80000000") + rnd(seed, "cc", 32) + b"\x00" +
                   rnd(seed, kind, 32))
        print(b58check(payload))
    elif kind == "hex64":
        print(rnd(seed, kind, 32).hex())
    elif kind == "uuid":
        h = rnd(seed, kind, 16).hex()
        print(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}")
    else:
        sys.exit(f"gen-secrets.py: unknown kind {kind}")


if __name__ == "__main__":
    main()
