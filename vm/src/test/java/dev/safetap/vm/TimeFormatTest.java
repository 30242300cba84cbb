package dev.safetap.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class TimeFormatTest {
    private static final ZonedDateTime T = ZonedDateTime.of(2024, 3, 5, 14, 7, 9, 0, ZoneOffset.UTC);

    @Test
    void formatsTheSupportedConversions() {
        assertEquals("14:07:09\n", TimeFormat.format("%H:%M:%S\n", T));
        assertEquals("2024-03-05 03/05/24 14:07:09 24 05| 5|065", TimeFormat.format("%F %D %T %y %d|%e|%j", T));
        assertEquals("Tue Mar PM 100% %q", TimeFormat.format("%a %b %p 100%% %q", T));
        assertEquals("AM 2024 03", TimeFormat.format("%p %Y %m", T.withHour(9)));
    }
}
