import com.vnpt.xml.base.header.*;
import com.vnpt.xml.base.attachment.Attachment;
import com.vnpt.xml.ed.Ed;
import com.vnpt.xml.ed.header.*;
import com.vnpt.xml.ed.builder.EdXmlBuilder;
import com.vnpt.xml.base.Content;
import java.io.File;
import java.util.*;
public class Gen {
  public static void main(String[] a) throws Exception {
    MessageHeader mh = new MessageHeader();
    mh.setFrom(new Organization("000.01.31.H26", "UBND tỉnh", "Văn phòng UBND tỉnh", "Số 1", "vp@gov.vn", "0241", "0242", "vp.gov.vn"));
    mh.addTo(new Organization("000.02.31.H26", "UBND tỉnh", "Sở Tư pháp", "Số 2", "stp@gov.vn", "0243", "0244", "stp.gov.vn"));
    mh.setDocumentId("000.01.31.H26,2026/12/01,77/UBND-VP");
    mh.setCode(new Code("77", "UBND-VP"));
    mh.setPromulgationInfo(new PromulgationInfo("Hà Nội", new GregorianCalendar(2026, 11, 1).getTime()));
    mh.setDocumentType(new DocumentType(1, 0, "Công văn"));
    mh.setSubject("V/v báo cáo số liệu");
    mh.setContent("Nội dung");
    mh.setSignerInfo(new SignerInfo("KT. CHỦ TỊCH", "Phó Chủ tịch", "Trần Văn Bình"));
    mh.setDueDate(new GregorianCalendar(2026, 11, 31).getTime());
    OtherInfo oi = new OtherInfo(1, "Liên thông văn bản quốc gia", "TVC", 2, 3, "000.09.31.H26,2026/11/20,12/STP-VP", false, "REF-1;REF-2");
    oi.setReplyFors("000.09.31.H26,2026/11/20,12/STP-VP");
    oi.setReferenceCodes("REF-1;REF-2");
    oi.setAppendixes(Arrays.asList("Phụ lục I"));
    mh.setOtherInfo(oi);
    ResponseFor rf = new ResponseFor();
    mh.setSteeringType(1);
    mh.setResponseForTask(new ResponseForTask(Arrays.asList("NV-2026-001", "NV-2026-002")));
    mh.setApplicationType("VBDH");
    mh.addToPlace("Sở Tư pháp");
    TraceHeaderList th = new TraceHeaderList();
    th.addTraceHeader(new TraceHeader("000.01.31.H26", new GregorianCalendar(2026, 11, 1, 8, 30, 0).getTime()));
    Bussiness b = new Bussiness("000.01.31.H26,2026/12/01,77/UBND-VP", "0", "Văn bản điện tử mới", "0");
    b.addStaffInfo(new StaffInfo("Văn thư", "PB-01", "Nguyễn Thị Ngọc", "CB-0042", "vanthu@gov.vn", "0912000001"));
    th.setBussiness(b);
    List<Attachment> atts = new ArrayList<Attachment>();
    String[] names = {"bao-cao.xlsx", "scan.tmp", "to-trinh.pdf"};
    int i = 1;
    for (String n : names) {
      Attachment at = new Attachment(String.valueOf(i), n, n, new File(n));
      at.setFieldName("file" + i);
      at.setMimeType(n.endsWith(".pdf") || n.endsWith(".tmp") ? "application/pdf" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      atts.add(at); i++;
    }
    Ed ed = new Ed(new Header(mh, th), atts);
    Content c = EdXmlBuilder.build(ed, "/tmp/edxmljar/gen/out");
    System.out.println(c.getContent());
  }
}
