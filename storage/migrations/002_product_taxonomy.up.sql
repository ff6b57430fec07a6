-- The six product groups of 148/QĐ-TTg (2023) and their sub-groups. Data, not
-- code: a later decision changes rows here, not the bot.
INSERT INTO product_groups (code, name_vi, name_en, sort) VALUES
    ('1', 'Thực phẩm', 'Food', 1),
    ('2', 'Đồ uống', 'Beverages', 2),
    ('3', 'Dược liệu và sản phẩm từ dược liệu', 'Medicinal herbs and herbal products', 3),
    ('4', 'Hàng thủ công mỹ nghệ', 'Handicrafts', 4),
    ('5', 'Sinh vật cảnh', 'Ornamental plants and animals', 5),
    ('6', 'Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch', 'Community and eco-tourism services and destinations', 6);

INSERT INTO product_subgroups (code, group_code, name_vi, name_en, sort) VALUES
    ('1.1', '1', 'Nông sản tươi sống (rau, củ, quả, hạt, thịt, trứng, sữa)', 'Fresh farm produce (vegetables, fruit, nuts, meat, eggs, milk)', 1),
    ('1.2', '1', 'Gạo, ngũ cốc và sản phẩm chế biến', 'Rice, cereals and processed products', 2),
    ('1.3', '1', 'Thực phẩm chế biến (từ rau quả, thịt, thủy hải sản)', 'Processed food (from produce, meat, seafood)', 3),
    ('1.4', '1', 'Mật ong và sản phẩm từ mật ong', 'Honey and honey products', 4),
    ('1.5', '1', 'Gia vị (nước mắm, tương, muối, tiêu)', 'Condiments (fish sauce, soy sauce, salt, pepper)', 5),
    ('1.6', '1', 'Chè (trà) và sản phẩm từ chè', 'Tea and tea products', 6),
    ('1.7', '1', 'Cà phê, ca cao', 'Coffee and cocoa', 7),
    ('2.1', '2', 'Đồ uống có cồn', 'Alcoholic beverages', 1),
    ('2.2', '2', 'Đồ uống không cồn', 'Non-alcoholic beverages', 2),
    ('3.1', '3', 'Thực phẩm chức năng, thuốc dược liệu, thuốc y học cổ truyền', 'Supplements, herbal and traditional medicines', 1),
    ('3.2', '3', 'Mỹ phẩm có thành phần từ thảo dược', 'Cosmetics with herbal ingredients', 2),
    ('3.3', '3', 'Dược liệu và sản phẩm khác từ dược liệu', 'Medicinal herbs and other herbal products', 3),
    ('4.1', '4', 'Thủ công mỹ nghệ, trang trí', 'Crafts and decoration', 1),
    ('4.2', '4', 'Đồ gia dụng, nội thất', 'Household goods and furniture', 2),
    ('4.3', '4', 'Vải, may mặc', 'Textiles and garments', 3),
    ('5.1', '5', 'Hoa', 'Flowers', 1),
    ('5.2', '5', 'Cây cảnh', 'Ornamental plants', 2),
    ('5.3', '5', 'Động vật cảnh', 'Ornamental animals', 3),
    ('6.1', '6', 'Dịch vụ du lịch cộng đồng, du lịch sinh thái, điểm du lịch', 'Community tourism, eco-tourism, destinations', 1);
