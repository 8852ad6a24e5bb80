package dev.demucs.importer.torch;

import java.math.BigInteger;

/**
 * A Python {@code fractions.Fraction} (the segment length of Demucs models, e.g. 39/5 s).
 *
 * @param numerator   the numerator
 * @param denominator the denominator, positive
 */
public record Fraction(BigInteger numerator, BigInteger denominator) {
    public Fraction {
        if (denominator.signum() == 0) {
            throw new IllegalArgumentException("Fraction with a zero denominator");
        }
        if (denominator.signum() < 0) {
            numerator = numerator.negate();
            denominator = denominator.negate();
        }
        BigInteger g = numerator.gcd(denominator);
        if (g.signum() != 0 && !g.equals(BigInteger.ONE)) {
            numerator = numerator.divide(g);
            denominator = denominator.divide(g);
        }
    }

    /** Parses Python's {@code str(Fraction)}: "39/5" or "8". */
    public static Fraction parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        if (slash < 0) {
            return new Fraction(new BigInteger(t), BigInteger.ONE);
        }
        return new Fraction(new BigInteger(t.substring(0, slash).trim()), new BigInteger(t.substring(slash + 1).trim()));
    }

    /** {@code int(self * factor)} as Python computes it (truncation toward zero). */
    public long timesTruncated(long factor) {
        return numerator.multiply(BigInteger.valueOf(factor)).divide(denominator).longValueExact();
    }

    /** The nearest double. */
    public double doubleValue() {
        return new java.math.BigDecimal(numerator).divide(new java.math.BigDecimal(denominator), java.math.MathContext.DECIMAL64).doubleValue();
    }

    @Override
    public String toString() {
        return denominator.equals(BigInteger.ONE) ? numerator.toString() : numerator + "/" + denominator;
    }
}
