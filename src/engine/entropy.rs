//! Shannon entropy, the cheap randomness score rules can demand (`min_entropy`).

/// Bits per byte of `data` (0 for empty input, at most 8).
pub fn shannon(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let n = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn bounds() {
        assert_eq!(super::shannon(b""), 0.0);
        assert_eq!(super::shannon(b"aaaa"), 0.0);
        assert!((super::shannon(b"ab") - 1.0).abs() < 1e-9);
    }
}
