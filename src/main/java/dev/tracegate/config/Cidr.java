package dev.tracegate.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address block, {@code 10.0.0.0/8} or {@code fd00::/8} (a bare address is a block of one), for
 * {@code server.trustedProxies}. Parsed from literals only: no name is ever looked up.
 */
public record Cidr(byte[] network, int prefix, String text) {
  static Cidr parse(String key, String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    String address = slash < 0 ? t : t.substring(0, slash);
    if (!address.matches("[0-9a-fA-F:.]+")) {
      throw new ConfigException(key, "'" + text + "' is not an IP address or CIDR block");
    }
    byte[] bytes;
    try {
      bytes = InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      throw new ConfigException(key, "'" + text + "' is not an IP address or CIDR block");
    }
    int prefix = bytes.length * 8;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(t.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new ConfigException(key, "'" + text + "': the prefix length is not a number");
      }
      if (prefix < 0 || prefix > bytes.length * 8) {
        throw new ConfigException(
            key, "'" + text + "': the prefix length must be 0-" + bytes.length * 8);
      }
    }
    return new Cidr(bytes, prefix, t);
  }

  /** Whether {@code address} (a literal, as Vert.x reports a peer) lies in this block. */
  public boolean contains(String address) {
    if (address == null || !address.matches("[0-9a-fA-F:.]+")) {
      return false;
    }
    byte[] a;
    try {
      a = InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      return false;
    }
    if (a.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = 0xff << (8 - rest) & 0xff;
    return (a[full] & mask) == (network[full] & mask);
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
