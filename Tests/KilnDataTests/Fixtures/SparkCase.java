// Writes spark_case.txt: how Spark 4.0's lower() and upper() map case. Spark uses ICU's
// root-locale mappings (spark.sql.icu.caseMappings.enabled, default true), so this runs
// icu4j from pyspark 4.0.1's jars:
//   java -cp Tests/PySpark/.venv/lib/python3.11/site-packages/pyspark/jars/icu4j-76.1.jar \
//        Tests/KilnDataTests/Fixtures/SparkCase.java > Tests/KilnDataTests/Fixtures/spark_case.txt
// Lines: every code point whose one-code-point string changes (code point, lower, upper, in
// hex), then "s" lines for strings whose mapping depends on context (the final sigma), with
// the JVM's String.toLowerCase(Locale.ROOT) last, where Spark's ICU mapping differs from it.
// SparkCaseTests holds Kiln's lower()/upper() to it.
import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.util.ULocale;
import com.ibm.icu.util.VersionInfo;
import java.util.Locale;

public class SparkCase {
    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> { if (b.length() > 0) b.append(' '); b.append(Integer.toHexString(c)); });
        return b.toString();
    }

    public static void main(String[] args) {
        System.out.println("# icu4j " + VersionInfo.ICU_VERSION + ", Unicode " + UCharacter.getUnicodeVersion() + ": code point<TAB>lower<TAB>upper (hex code points)");
        for (int c = 0; c <= 0x10FFFF; c++) {
            if (c >= 0xD800 && c <= 0xDFFF) continue;
            String s = new String(Character.toChars(c));
            String lower = UCharacter.toLowerCase(ULocale.ROOT, s), upper = UCharacter.toUpperCase(ULocale.ROOT, s);
            if (!lower.equals(s) || !upper.equals(s)) System.out.println(hex(s) + "\t" + hex(lower) + "\t" + hex(upper));
        }
        String[] words = {"ΟΔΟΣ", "ΟΔΟΣ ΟΔΟΣ", "Σ", "ΣΑ", "ΑΣΑ", "ΑΣ.", "ΑΣ1", "Α1Σ", "ΑΣ'Α", "ΑΣ\u0301", "ΑΣ\u0301Α", "'ΑΣ'", "İstanbul", "ΌΣΟΣ-ΣΑΣ", "ΑΣ_Β", "ßtraße", "ΐ", "Α\u00adΣ", "ΑΣ\u00adΑ", "1Σ", "Α.Σ.Α"};
        for (String w : words) System.out.println("s\t" + hex(w) + "\t" + hex(UCharacter.toLowerCase(ULocale.ROOT, w)) + "\t" + hex(UCharacter.toUpperCase(ULocale.ROOT, w)) + "\t" + hex(w.toLowerCase(Locale.ROOT)));
    }
}
