// Writes java_case.txt: every code point whose String.toLowerCase(Locale.ROOT) or
// toUpperCase(Locale.ROOT) (as a one-code-point string) is not itself, then strings whose
// mapping depends on context (final sigma). Run: java JavaCase.java > java_case.txt
// (JDK 17, as Spark 4.0's); JavaCaseTests holds Kiln's lower()/upper() to it.
import java.util.Locale;

public class JavaCase {
    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> { if (b.length() > 0) b.append(' '); b.append(Integer.toHexString(c)); });
        return b.toString();
    }

    public static void main(String[] args) {
        System.out.println("# " + System.getProperty("java.version") + " code point<TAB>lower<TAB>upper (hex code points)");
        for (int c = 0; c <= 0x10FFFF; c++) {
            if (c >= 0xD800 && c <= 0xDFFF) continue;
            String s = new String(Character.toChars(c));
            String lower = s.toLowerCase(Locale.ROOT), upper = s.toUpperCase(Locale.ROOT);
            if (!lower.equals(s) || !upper.equals(s)) System.out.println(hex(s) + "\t" + hex(lower) + "\t" + hex(upper));
        }
        String[] words = {"ΟΔΟΣ", "ΟΔΟΣ ΟΔΟΣ", "Σ", "ΣΑ", "ΑΣΑ", "ΑΣ.", "ΑΣ1", "Α1Σ", "ΑΣ'Α", "ΑΣ́", "ΑΣ́Α", "'ΑΣ'", "İstanbul", "ΌΣΟΣ-ΣΑΣ", "ΑΣ_Β", "ßtraße", "ΐ"};
        for (String w : words) System.out.println("s\t" + hex(w) + "\t" + hex(w.toLowerCase(Locale.ROOT)) + "\t" + hex(w.toUpperCase(Locale.ROOT)));
    }
}
