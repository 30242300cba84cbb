package dev.safetap.vm;

import java.time.ZonedDateTime;

/**
 * The strftime subset {@code time()} accepts, in the C locale: {@code %H %M %S %Y %m %d %y %e %j
 * %a %b %p %T %D %F %%}. Any other {@code %x} sequence is copied as it stands.
 */
public final class TimeFormat {
    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    private TimeFormat() {
    }

    public static String format(String format, ZonedDateTime t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            char conv = format.charAt(++i);
            switch (conv) {
                case 'H' -> two(sb, t.getHour());
                case 'M' -> two(sb, t.getMinute());
                case 'S' -> two(sb, t.getSecond());
                case 'Y' -> sb.append(t.getYear());
                case 'm' -> two(sb, t.getMonthValue());
                case 'd' -> two(sb, t.getDayOfMonth());
                case 'y' -> two(sb, Math.floorMod(t.getYear(), 100));
                case 'e' -> sb.append(t.getDayOfMonth() < 10 ? " " : "").append(t.getDayOfMonth());
                case 'j' -> sb.append(String.format("%03d", t.getDayOfYear()));
                case 'a' -> sb.append(DAYS[t.getDayOfWeek().getValue() - 1]);
                case 'b' -> sb.append(MONTHS[t.getMonthValue() - 1]);
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'T' -> sb.append(format("%H:%M:%S", t));
                case 'D' -> sb.append(format("%m/%d/%y", t));
                case 'F' -> sb.append(format("%Y-%m-%d", t));
                case '%' -> sb.append('%');
                default -> sb.append('%').append(conv);
            }
        }
        return sb.toString();
    }

    private static void two(StringBuilder sb, int v) {
        sb.append(v < 10 ? "0" : "").append(v);
    }
}
