"""Phrase lists the generator composes Vietnamese subjects (trích yếu), directions and results
from. Plain data; no tabs, backslashes or line breaks (the PostgreSQL loader relies on it only
for speed, it escapes anyway)."""

ACTIONS = [
    "Về việc triển khai thực hiện",
    "Về việc tăng cường",
    "Về việc báo cáo kết quả thực hiện",
    "Về việc đề nghị bổ sung kinh phí cho",
    "Về việc góp ý dự thảo Kế hoạch",
    "Về việc rà soát, tổng hợp",
    "Về việc phê duyệt danh mục",
    "Về việc đôn đốc thực hiện",
    "Về việc hướng dẫn thực hiện",
    "Về việc tổ chức hội nghị sơ kết",
    "Về việc kiểm tra, giám sát",
    "Về việc chấn chỉnh",
    "Về việc cung cấp thông tin phục vụ",
    "Về việc giao chỉ tiêu",
    "Về việc điều chỉnh",
    "Kế hoạch tổ chức",
    "Thông báo kết luận của Chủ tịch UBND tỉnh về",
    "Hướng dẫn",
    "Báo cáo tình hình",
    "Đề nghị hỗ trợ",
]

TOPICS = [
    "công tác chuyển đổi số",
    "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "Chương trình mục tiêu quốc gia xây dựng nông thôn mới",
    "cải cách hành chính",
    "quản lý, sử dụng đất đai",
    "phòng cháy, chữa cháy rừng mùa khô",
    "tiêm chủng mở rộng",
    "giải ngân kế hoạch vốn đầu tư công",
    "bảo đảm trật tự an toàn giao thông",
    "bảo vệ môi trường và xử lý chất thải rắn",
    "tuyển sinh đầu cấp",
    "thu ngân sách nhà nước",
    "chính sách đối với người có công với cách mạng",
    "quy hoạch sử dụng đất",
    "Đề án 06 về phát triển ứng dụng dữ liệu dân cư",
    "phòng, chống bệnh dịch tả lợn châu Phi",
    "xử lý vi phạm trật tự xây dựng",
    "bồi thường, hỗ trợ và tái định cư",
    "tinh giản biên chế",
    "thi đua, khen thưởng",
    "phát triển cây cà phê bền vững",
    "giảm nghèo bền vững vùng đồng bào dân tộc thiểu số",
    "cấp giấy chứng nhận quyền sử dụng đất",
    "dịch vụ công trực tuyến toàn trình",
    "phòng, chống tham nhũng, tiêu cực",
    "bảo đảm an toàn hồ đập mùa mưa lũ",
    "quản lý giá và thị trường dịp Tết Nguyên đán",
    "tổ chức kỳ thi tốt nghiệp trung học phổ thông",
    "an toàn thực phẩm",
    "sắp xếp đơn vị hành chính cấp xã",
]

SCOPES = [
    "trên địa bàn tỉnh",
    "tại các huyện, thị xã, thành phố",
    "trong các cơ quan hành chính nhà nước",
    "năm {year}",
    "quý {quarter} năm {year}",
    "6 tháng đầu năm {year}",
    "giai đoạn 2021-2025",
    "tháng {month}/{year}",
    "",
]

DIRECTIONS = [
    "Giao chủ trì tham mưu, báo cáo UBND tỉnh trước thời hạn.",
    "Đề nghị nghiên cứu, đề xuất xử lý theo quy định.",
    "Chủ trì, phối hợp các đơn vị liên quan triển khai thực hiện.",
    "Tổng hợp, báo cáo kết quả đúng thời hạn.",
    "Kiểm tra, rà soát và tham mưu văn bản trả lời.",
    "Theo dõi, đôn đốc thực hiện.",
]

RESULTS = [
    "Đã tham mưu văn bản trả lời.",
    "Đã báo cáo kết quả thực hiện.",
    "Đã tổng hợp, gửi báo cáo.",
    "Đã triển khai thực hiện xong.",
    "Đã lưu hồ sơ, không phát sinh công việc.",
]

REJECT_REASONS = [
    "Gửi nhầm cơ quan.",
    "Văn bản thiếu chữ ký số.",
    "Tệp đính kèm không mở được.",
    "Văn bản đã nhận trước đó.",
]

PROGRESS_NOTES = [
    "Đang tổng hợp số liệu từ các đơn vị.",
    "Đang dự thảo văn bản trả lời.",
    "Đã làm việc với các đơn vị liên quan.",
]

PLACES = [
    "An",
    "Bình",
    "Châu",
    "Đông",
    "Đức",
    "Hòa",
    "Hưng",
    "Khánh",
    "Lạc",
    "Lộc",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phong",
    "Phú",
    "Phước",
    "Quang",
    "Sơn",
    "Tân",
    "Thành",
    "Thắng",
    "Thịnh",
    "Thuận",
    "Tiến",
    "Trung",
    "Vĩnh",
    "Xuân",
    "Yên",
    "Ea Tu",
    "Ea Kao",
    "Cư Ebur",
    "Ea Nuôl",
    "Krông Jing",
    "Dray Sáp",
    "Ea Bông",
    "Hòa Phú",
    "Ea Tiêu",
    "Cư Pơng",
]

# Nhiệm vụ (chỉ đạo điều hành): "<verb> <topic> <scope>".
TASK_VERBS = [
    "Chủ trì, phối hợp triển khai",
    "Tham mưu UBND tỉnh ban hành kế hoạch về",
    "Rà soát, đề xuất giải pháp tháo gỡ vướng mắc trong",
    "Kiểm tra, báo cáo kết quả",
    "Xây dựng đề án",
    "Tổng hợp, báo cáo định kỳ tình hình",
    "Khẩn trương hoàn thành",
    "Hướng dẫn các địa phương thực hiện",
]
MEETINGS = [
    "Kết luận cuộc họp giao ban UBND tỉnh tháng {month}/{year}",
    "Kết luận phiên họp thường kỳ UBND tỉnh tháng {month}/{year}",
    "Ý kiến chỉ đạo của Chủ tịch UBND tỉnh tại buổi làm việc ngày {day}/{month}/{year}",
]
TASK_PROGRESS = [
    "Đã xây dựng dự thảo, đang lấy ý kiến các đơn vị liên quan.",
    "Đã tổ chức họp triển khai, phân công cụ thể cho các phòng.",
    "Đang tổng hợp số liệu từ các địa phương.",
    "Đã hoàn thành phần lớn khối lượng công việc, còn chờ ý kiến thẩm định.",
    "Đang khảo sát thực tế tại cơ sở.",
]
TASK_RESULTS = [
    "Đã ban hành kế hoạch và triển khai đến các đơn vị.",
    "Đã có báo cáo kết quả gửi UBND tỉnh.",
    "Đã trình UBND tỉnh dự thảo quyết định.",
    "Đã hoàn thành kiểm tra, có thông báo kết quả.",
]
EXTENSION_REASONS = [
    "Cần thêm thời gian lấy ý kiến các sở, ngành.",
    "Chờ số liệu từ các huyện, thị xã, thành phố.",
    "Vướng mắc về thủ tục, đang xin ý kiến bộ, ngành trung ương.",
    "Nội dung phức tạp, phải khảo sát thực tế.",
]

# Nội dung tệp đính kèm: the sentences a generated document's file text is composed from
# (scale/bodies.py), in the register of a công văn or a kế hoạch.
BODY_SENTENCES = [
    "Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh về {topic}, {agency} đề nghị các cơ quan, đơn vị "
    "khẩn trương triển khai các nội dung sau.",
    "Căn cứ Kế hoạch số {n}/KH-UBND ngày {day}/{month}/{year} của Ủy ban nhân dân tỉnh về "
    "{topic} {scope}.",
    "Rà soát, tổng hợp số liệu về {topic} tại xã {place}, báo cáo kết quả trước ngày "
    "{day}/{month}/{year}.",
    "Tổng kinh phí thực hiện là {amount} triệu đồng, từ nguồn ngân sách tỉnh và nguồn vốn lồng "
    "ghép các chương trình mục tiêu quốc gia.",
    "Giao {agency} chủ trì, phối hợp với Ủy ban nhân dân các huyện, thị xã, thành phố hướng dẫn, "
    "kiểm tra, đôn đốc việc thực hiện {topic}.",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các đơn vị phản ánh kịp thời về "
    "{agency} để tổng hợp, báo cáo Ủy ban nhân dân tỉnh xem xét, giải quyết.",
    "Kết quả {scope}: đã hoàn thành {n} trên tổng số {amount} chỉ tiêu được giao, đạt tỷ lệ cao "
    "so với cùng kỳ năm trước.",
    "Tổ chức kiểm tra thực tế tại xã {place} và thôn {place2}, lập biên bản, đề xuất biện pháp "
    "xử lý các trường hợp vi phạm.",
    "Đề nghị Thủ trưởng các sở, ban, ngành và Chủ tịch Ủy ban nhân dân các huyện quan tâm chỉ đạo "
    "thực hiện nghiêm túc nội dung văn bản này.",
    "Báo cáo gửi về {agency} bằng văn bản và qua Hệ thống quản lý văn bản và điều hành trước "
    "ngày {day}/{month}/{year} để tổng hợp.",
    "Tình hình {topic} {scope} còn một số hạn chế: công tác phối hợp chưa chặt chẽ, tiến độ "
    "giải ngân còn chậm, số liệu báo cáo chưa đầy đủ.",
    "Phân bổ {amount} triệu đồng cho xã {place} để hỗ trợ {n} hộ gia đình thực hiện {topic}.",
    "Ủy ban nhân dân tỉnh yêu cầu các đơn vị nghiêm túc triển khai, định kỳ hằng tháng báo cáo "
    "tiến độ về Văn phòng Ủy ban nhân dân tỉnh.",
    "Thời gian thực hiện từ ngày {day}/{month}/{year}; địa điểm tại hội trường {agency}, số "
    "{n} đường {place} Vương, thành phố Buôn Ma Thuột.",
]
BODY_AGENCIES = [
    "Sở Tài chính",
    "Sở Kế hoạch và Đầu tư",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Tài nguyên và Môi trường",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Sở Xây dựng",
    "Sở Giao thông vận tải",
    "Sở Nội vụ",
    "Sở Thông tin và Truyền thông",
    "Công an tỉnh",
    "Bộ Chỉ huy Quân sự tỉnh",
    "Văn phòng Ủy ban nhân dân tỉnh",
    "Ủy ban nhân dân huyện Krông Bông",
    "Ủy ban nhân dân huyện Ea Kar",
    "Ủy ban nhân dân thành phố Buôn Ma Thuột",
]
